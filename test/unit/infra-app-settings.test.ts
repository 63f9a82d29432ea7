import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DEBUG_IMAGE, DEFAULT_DEBUG_NAMESPACE } from '../../src/adapters/kube/debug-pod';
import { DEFAULT_TRACE_SECONDS, MAX_TRACE_SECONDS } from '../../src/core/investigation-request';
import { loadConfig, SETTINGS } from '../../src/functions/config';
import { bicepCode, bicepFiles } from '../helpers/bicep-text';

const INFRA = join(__dirname, '../../infra');
const FUNCTION_APP = join(INFRA, 'app/function-app.bicep');
const BEGIN = '// --- app settings: begin ---';
const END = '// --- app settings: end ---';

/** Settings the Functions host reads itself (the app never does); each is allowed for the reason given. */
const PLATFORM_SETTINGS: Record<string, string> = {
  AzureWebJobsStorage__credential: 'host storage and the Durable task hub through a managed identity',
  AzureWebJobsStorage__clientId: 'which identity: the user-assigned one',
  AzureWebJobsStorage__blobServiceUri: "host storage: blobs (leases, keys, the task hub's large messages)",
  AzureWebJobsStorage__queueServiceUri: "the Durable task hub's queues",
  AzureWebJobsStorage__tableServiceUri: "the Durable task hub's history and instances tables",
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'where the host sends telemetry',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
    'telemetry with Entra ID auth (the component has local auth off)',
};

/**
 * The Azurite-only alternative to the account URL: a connection string holds the account key, and the
 * account has shared-key access off. The Bicep sets AKS_SNAT_ARCHIVE_ACCOUNT_URL instead.
 */
const LOCAL_ONLY: readonly string[] = [SETTINGS.archiveConnectionString];

/** Object keys (`NAME: value`, at a line start or after `{` or `,`). */
function keys(text: string): string[] {
  return [...bicepCode(text).matchAll(/(?:^|[{,])\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/gm)].map(
    (m) => m[1] as string,
  );
}

function settingsBlock(): string {
  const text = readFileSync(FUNCTION_APP, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  expect(start).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  expect(text.indexOf(BEGIN, start + 1)).toBe(-1);
  return text.slice(start + BEGIN.length, end);
}

const setByBicep = new Set(keys(settingsBlock()));
const readByApp = new Set<string>(Object.values(SETTINGS));

/** A main.bicep param's default and @minValue/@maxValue. */
/** The debug image as infra/debug-image.txt names it (what Bicep's trim(loadTextContent()) gives). */
function debugImageFile(): string {
  return readFileSync(join(INFRA, 'debug-image.txt'), 'utf8').trim();
}

function param(name: string): { default: string; min: number | null; max: number | null } {
  const text = readFileSync(join(INFRA, 'main.bicep'), 'utf8');
  const match = new RegExp(`((?:^@.*\\n)*)^param ${name} \\w+ = (.*)$`, 'm').exec(text);
  if (match === null) throw new Error(`main.bicep has no param ${name} with a default`);
  const decorator = (which: string) => {
    const found = new RegExp(`@${which}\\((\\d+)\\)`).exec(match[1] ?? '');
    return found === null ? null : Number(found[1]);
  };
  return {
    default: (match[2] ?? '').replace(/^'|'$/g, ''),
    min: decorator('minValue'),
    max: decorator('maxValue'),
  };
}

describe('the app settings the Bicep sets and the app reads', () => {
  it('every setting the config loader reads is set by the Bicep (the Azurite connection string aside)', () => {
    const missing = [...readByApp].filter((name) => !setByBicep.has(name) && !LOCAL_ONLY.includes(name));
    expect({ missingFromBicep: missing }).toEqual({ missingFromBicep: [] });
  });

  it('every setting the Bicep sets is read by the app or by the Functions host (allow-list)', () => {
    const unread = [...setByBicep].filter((name) => !readByApp.has(name) && !(name in PLATFORM_SETTINGS));
    expect({ setButNeverRead: unread }).toEqual({ setButNeverRead: [] });
    // The allow-list holds nothing stale either.
    const stale = Object.keys(PLATFORM_SETTINGS).filter((name) => !setByBicep.has(name));
    expect({ staleAllowList: stale }).toEqual({ staleAllowList: [] });
  });

  it('sets the archive account URL, never a connection string, and no setting outside the marked block', () => {
    for (const file of bicepFiles(INFRA)) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(SETTINGS.archiveConnectionString);
      const outside = file === FUNCTION_APP ? text.replace(settingsBlock(), '') : text;
      const stray = keys(outside).filter((k) => readByApp.has(k) || k in PLATFORM_SETTINGS);
      expect({ file, stray }).toEqual({ file, stray: [] });
    }
    expect(setByBicep).toContain(SETTINGS.archiveAccountUrl);
  });

  it('gives the Teams webhook URL only as a Key Vault reference, and only when there is a secret', () => {
    const block = settingsBlock();
    expect(block).toMatch(
      /var teamsReference = '@Microsoft\.KeyVault\(VaultName=\$\{keyVaultName\};SecretName=\$\{teamsSecretName\}\)'/,
    );
    expect(block).toMatch(
      new RegExp(
        `empty\\(teamsSecretName\\) \\? \\{\\} : \\{ ${SETTINGS.teamsWebhookUrl}: teamsReference \\}`,
      ),
    );
  });

  it("has the app's defaults as the Bicep's, and the loader's bounds as the Bicep's", () => {
    expect(param('traceSeconds')).toEqual({
      default: String(DEFAULT_TRACE_SECONDS),
      min: 1,
      max: MAX_TRACE_SECONDS,
    });
    expect(param('cooldownMinutes')).toEqual({ default: '15', min: 0, max: 1440 });
    expect(param('debugNamespace').default).toBe(DEFAULT_DEBUG_NAMESPACE);
    // Named in one place, infra/debug-image.txt, for the app setting and the pre-pull DaemonSet alike.
    expect(param('debugImage').default).toBe("trim(loadTextContent('debug-image.txt'))");
    expect(debugImageFile()).toBe(DEFAULT_DEBUG_IMAGE);
    expect(param('archiveContainerName').default).toBe(
      loadConfig({ [SETTINGS.archiveAccountUrl]: 'https://stsnatabc.blob.core.windows.net/' }).archive
        .container,
    );
  });

  it('is accepted by the config loader as the Bicep writes it, defaults and bounds alike', () => {
    const env = (trace: string, cooldown: string) => ({
      // primaryEndpoints.blob: with a trailing slash.
      [SETTINGS.archiveAccountUrl]: 'https://stsnatabc123def456.blob.core.windows.net/',
      [SETTINGS.archiveContainer]: param('archiveContainerName').default,
      [SETTINGS.traceSeconds]: trace,
      [SETTINGS.cooldownMinutes]: cooldown,
      [SETTINGS.debugNamespace]: param('debugNamespace').default,
      [SETTINGS.debugImage]: debugImageFile(),
      [SETTINGS.privateCidrs]: param('privateCidrs').default,
      [SETTINGS.managedIdentityClientId]: '00000000-0000-0000-0000-000000000000',
    });
    const trace = param('traceSeconds');
    const cooldown = param('cooldownMinutes');
    expect(() => loadConfig(env(trace.default, cooldown.default))).not.toThrow();
    expect(() => loadConfig(env(String(trace.min), String(cooldown.min)))).not.toThrow();
    expect(() => loadConfig(env(String(trace.max), String(cooldown.max)))).not.toThrow();
    expect(() => loadConfig(env(String((trace.max ?? 0) + 1), cooldown.default))).toThrow(
      SETTINGS.traceSeconds,
    );
    expect(() => loadConfig(env(trace.default, String((cooldown.max ?? 0) + 1)))).toThrow(
      SETTINGS.cooldownMinutes,
    );
  });
});

describe('infra/main.parameters.json', () => {
  const bicep = readFileSync(join(INFRA, 'main.bicep'), 'utf8');
  const declared = [...bicep.matchAll(/^param (\w+) \w+(?: = (.*))?$/gm)].map((m) => ({
    name: m[1] as string,
    default: m[2]?.replace(/^'|'$/g, '') ?? null,
  }));
  const parameters = (
    JSON.parse(readFileSync(join(INFRA, 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: string }>;
    }
  ).parameters;

  it('passes every main.bicep parameter, and only those, but the debug image (named in infra/debug-image.txt alone)', () => {
    expect(Object.keys(parameters).sort()).toEqual(
      declared
        .map((p) => p.name)
        .filter((name) => name !== 'debugImage')
        .sort(),
    );
  });

  it('gives each azd default the Bicep default, so an unset azd variable changes nothing', () => {
    const drift = declared.flatMap((p) => {
      const fallback = /^\$\{\w+=(.*)\}$/.exec(parameters[p.name]?.value ?? '')?.[1];
      if (p.default === null || fallback === undefined) return [];
      return fallback === p.default ? [] : [`${p.name}: Bicep ${p.default}, azd ${fallback}`];
    });
    expect(drift).toEqual([]);
  });
});
