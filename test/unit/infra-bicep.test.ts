import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { NODE_DIMENSION, SNAT_METRICS } from '../../src/core/parse-alert';
import { bicepCode, bicepFiles } from '../helpers/bicep-text';

// No Bicep compiler runs here: these checks read the Bicep as text, for what a reviewer would otherwise
// have to check by eye each time (references, roles, the alert contract with the app, the docs table).

const ROOT = join(__dirname, '../..');
const INFRA = join(ROOT, 'infra');

const files = bicepFiles(INFRA);
const read = (file: string) => readFileSync(file, 'utf8');
const all = files.map(read).join('\n');
const text = (relative: string) => read(join(INFRA, relative));

/** Built-in role definitions the identity may be given, and nothing else. */
const ROLES: Record<string, string> = {
  '4abbcc35-e782-43d8-92c5-2d3473bc9d9e': 'Azure Kubernetes Service Cluster User Role',
  '43d0d8ad-25c7-4714-9337-8ba259a9fe05': 'Monitoring Reader',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  '4633458b-17de-408a-b874-0445c86b69e6': 'Key Vault Secrets User',
};

describe('infra/*.bicep, read as text', () => {
  it('has balanced braces, brackets and parentheses in every file (strings and comments aside)', () => {
    for (const file of files) {
      const stripped = bicepCode(read(file));
      const depth = { '{': 0, '[': 0, '(': 0 };
      const close: Record<string, keyof typeof depth> = { '}': '{', ']': '[', ')': '(' };
      for (const ch of stripped) {
        if (ch in depth) depth[ch as keyof typeof depth] += 1;
        const open = close[ch];
        if (open !== undefined) {
          depth[open] -= 1;
          expect({ file, negative: depth[open] < 0 }).toEqual({ file, negative: false });
        }
      }
      expect({ file, depth }).toEqual({ file, depth: { '{': 0, '[': 0, '(': 0 } });
    }
  });

  it('references only module files that exist', () => {
    for (const file of files) {
      for (const [, path] of read(file).matchAll(/^module \w+ '([^']+)'/gm)) {
        expect({ file, path, exists: existsSync(join(dirname(file), path ?? '')) }).toEqual({
          file,
          path,
          exists: true,
        });
      }
    }
  });

  it('assigns only the expected built-in roles, each to the identity as a service principal', () => {
    const used = new Set([...all.matchAll(/var \w+ = '([0-9a-f-]{36})'/g)].map((m) => m[1] as string));
    expect([...used].map((id) => ROLES[id] ?? `unexpected role ${id}`).sort()).toEqual(
      Object.values(ROLES).sort(),
    );
    const assignments = all.split(/^resource \w+ 'Microsoft\.Authorization\/roleAssignments@/m).slice(1);
    expect(assignments.length).toBe(9);
    for (const body of assignments) {
      expect(body).toMatch(/principalId: principalId\n/);
      expect(body).toMatch(/principalType: 'ServicePrincipal'/);
    }
  });

  it('keeps the storage account keyless and private', () => {
    const storage = text('app/storage.bicep');
    expect(storage).toMatch(/allowSharedKeyAccess: false/);
    expect(storage).toMatch(/allowBlobPublicAccess: false/);
    expect(storage.match(/publicAccess: 'None'/g)).toHaveLength(2);
    // The only key read anywhere is the alert function's, for the action group.
    expect([...all.matchAll(/listKeys\(/g)]).toHaveLength(1);
    expect(text('app/alerts.bicep')).toMatch(
      /listKeys\('\$\{site\.id\}\/functions\/\$\{alertFunctionName\}'/,
    );
  });

  it('alerts on the metrics the alert webhook accepts, split by the node dimension it reads', () => {
    const alerts = text('app/alerts.bicep');
    const metrics = [...alerts.matchAll(/metricName: '(\w+)'/g)].map((m) => m[1]);
    expect(metrics).toEqual(['SnatConnectionCount', 'UsedSnatPorts']);
    for (const metric of metrics) expect(SNAT_METRICS).toContain(metric);
    expect(alerts).toMatch(
      new RegExp(
        `var perNode = \\{\\n  name: '${NODE_DIMENSION}'\\n  operator: 'Include'\\n  values: \\['\\*'\\]`,
      ),
    );
    expect(alerts).toMatch(
      /dimensions: \[\n\s+perNode\n\s+\{\n\s+name: 'ConnectionState'\n\s+operator: 'Include'\n\s+values: \['failed'\]/,
    );
    expect(alerts).toMatch(/dimensions: \[perNode\]/);
    expect(alerts.match(/useCommonAlertSchema: true/g)).toHaveLength(1);
  });

  it('calls the function and route the app registers for alerts', () => {
    const alerts = text('app/alerts.bicep');
    const name = /var alertFunctionName = '(\w+)'/.exec(alerts)?.[1];
    const route = /var alertRoute = '([\w/]+)'/.exec(alerts)?.[1];
    const index = read(join(ROOT, 'src/functions/index.ts'));
    expect(index).toMatch(
      new RegExp(`app\\.http\\('${name}', \\{\\n\\s+route: '${route}',\\n\\s+methods: \\['POST'\\]`),
    );
  });

  it('deploys to the site azure.yaml names, from the folder the prepackage hook stages', () => {
    const azure = parse(read(join(ROOT, 'azure.yaml'))) as {
      services: Record<string, { dist: string; host: string }>;
      hooks: Record<string, { posix: { run: string } }>;
    };
    const [service] = Object.keys(azure.services);
    expect(text('app/function-app.bicep')).toContain(`var azdServiceName = '${service}'`);
    expect(azure.services[service ?? '']?.host).toBe('function');
    expect(text('hooks/stage-package.sh')).toContain(`stage="$root/${azure.services[service ?? '']?.dist}"`);
    for (const hook of Object.values(azure.hooks)) {
      expect(() => accessSync(join(ROOT, hook.posix.run), constants.X_OK)).not.toThrow();
    }
  });

  it('lists every resource type and API version it uses in docs/deploy.md', () => {
    const used = [
      ...new Set([...all.matchAll(/^resource \w+ '([\w./]+@[\w-]+)'/gm)].map((m) => m[1] as string)),
    ];
    const docs = read(join(ROOT, 'docs/deploy.md'));
    const missing = used.filter((typeAndVersion) => {
      const [type, version] = typeAndVersion.split('@');
      const row = new RegExp(
        `^\\|\\s*\`${(type ?? '').replace(/\./g, '\\.')}\`\\s*\\|\\s*${version}\\s*\\|`,
        'm',
      );
      return !row.test(docs);
    });
    expect(missing).toEqual([]);
  });
});
