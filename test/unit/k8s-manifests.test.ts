import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_DEBUG_IMAGE, DEFAULT_DEBUG_NAMESPACE } from '../../src/adapters/kube/debug-pod';
import { validateK8s } from '../helpers/k8s-schema';

const K8S_DIR = join(__dirname, '../../infra/k8s');
const PLACEHOLDER = '${AKS_SNAT_PRINCIPAL_ID}';
const IMAGE_PLACEHOLDER = '${AKS_SNAT_DEBUG_IMAGE}';
const OBJECT_ID = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
/** The command docs/deploy.md gives for applying infra/k8s/ (kubectl apply -f - reads its output). */
const SUBSTITUTE =
  'sed -e "s/\\${AKS_SNAT_PRINCIPAL_ID}/$AKS_SNAT_PRINCIPAL_ID/g" -e "s#\\${AKS_SNAT_DEBUG_IMAGE}#$AKS_SNAT_DEBUG_IMAGE#g" infra/k8s/*.yaml';
/** The one place the debug image is named (docs/deploy.md: `export AKS_SNAT_DEBUG_IMAGE=$(cat infra/debug-image.txt)`). */
const DEBUG_IMAGE = readFileSync(join(__dirname, '../../infra/debug-image.txt'), 'utf8').trim();

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: Rule[];
  roleRef?: { apiGroup: string; kind: string; name: string };
  subjects?: { apiGroup?: string; kind: string; name: string }[];
}

const manifestFiles = readdirSync(K8S_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** infra/k8s/ as kubectl receives it: through the documented substitution, run by a real shell. */
function substituted(): string {
  const run = spawnSync('sh', ['-c', SUBSTITUTE], {
    cwd: join(__dirname, '../..'),
    env: { ...process.env, AKS_SNAT_PRINCIPAL_ID: OBJECT_ID, AKS_SNAT_DEBUG_IMAGE: DEBUG_IMAGE },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`substitution failed: ${run.stderr}`);
  return run.stdout;
}

function parse(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
      return doc.toJSON() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

const objects = parse(substituted());
const only = (kind: string): K8sObject => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as K8sObject;
};

/**
 * What the app asks of the API server: each client-node call in src/adapters/kube/kube-access.ts, with
 * the permission it needs. A call not listed here fails the test below until its RBAC is decided.
 */
const CALLS: Record<string, { scope: 'cluster' | 'namespace'; resource: string; verbs: string[] }> = {
  listNode: { scope: 'cluster', resource: 'nodes', verbs: ['list'] },
  listPodForAllNamespaces: { scope: 'cluster', resource: 'pods', verbs: ['list'] },
  createNamespacedPod: { scope: 'namespace', resource: 'pods', verbs: ['create'] },
  readNamespacedPod: { scope: 'namespace', resource: 'pods', verbs: ['get'] },
  listNamespacedPod: { scope: 'namespace', resource: 'pods', verbs: ['list'] },
  deleteNamespacedPod: { scope: 'namespace', resource: 'pods', verbs: ['delete'] },
  'new Log': { scope: 'namespace', resource: 'pods/log', verbs: ['get'] },
  readNamespacedPodLog: { scope: 'namespace', resource: 'pods/log', verbs: ['get'] },
  // Exec is a WebSocket upgrade (a GET); newer API servers also check create, as for kubectl's POST.
  'new Exec': { scope: 'namespace', resource: 'pods/exec', verbs: ['create', 'get'] },
};

function callsInKubeAccess(): string[] {
  const source = readFileSync(join(__dirname, '../../src/adapters/kube/kube-access.ts'), 'utf8');
  const core = [...source.matchAll(/this\.core\.(\w+)\(/g)].map((m) => m[1] as string);
  const constructed = [...source.matchAll(/new (Log|Exec)\(/g)].map((m) => `new ${m[1]}`);
  return [...new Set([...core, ...constructed])].sort();
}

/** Rules flattened to "group/resource:verb" strings, sorted. */
function grants(rules: readonly Rule[]): string[] {
  return rules
    .flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
    )
    .sort();
}

function needs(scope: 'cluster' | 'namespace'): string[] {
  return [
    ...new Set(
      Object.values(CALLS)
        .filter((c) => c.scope === scope)
        .flatMap((c) => c.verbs.map((v) => `/${c.resource}:${v}`)),
    ),
  ].sort();
}

describe('infra/k8s', () => {
  it('is a namespace, a ClusterRole and a Role with their bindings, and the image pre-pull, nothing else', () => {
    expect(manifestFiles).toEqual([
      '00-namespace.yaml',
      '10-cluster-reads.yaml',
      '20-debug-pods.yaml',
      '30-debug-image-prepull.yaml',
    ]);
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'DaemonSet',
      'Namespace',
      'Role',
      'RoleBinding',
    ]);
  });

  it('keeps the debug image on every Linux node: the image the app runs, unprivileged, tiny, every taint tolerated', () => {
    const daemonSet = only('DaemonSet') as unknown as {
      metadata: { namespace: string };
      spec: { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } };
    };
    const pod = daemonSet.spec.template.spec;
    const [container] = pod.containers;
    expect(DEBUG_IMAGE).toBe(DEFAULT_DEBUG_IMAGE);
    expect(container).toMatchObject({
      image: DEBUG_IMAGE,
      imagePullPolicy: 'IfNotPresent',
      command: ['sh', '-c', 'while :; do sleep 3600; done'],
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
      resources: { requests: { cpu: '1m', memory: '4Mi' }, limits: { cpu: '10m', memory: '16Mi' } },
    });
    expect(pod).toMatchObject({
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ operator: 'Exists' }],
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65534 },
    });
    expect(pod.hostPID).toBeUndefined();
    expect(pod.hostNetwork).toBeUndefined();
    expect(daemonSet.metadata.namespace).toBe(DEFAULT_DEBUG_NAMESPACE);
  });

  it('validates against the Kubernetes schema', () => {
    expect(validateK8s(objects)).toEqual(
      objects.map((o) => ({ kind: o.kind, name: o.metadata.name, valid: true, error: null })),
    );
  });

  it.each([
    [
      'a verb list given as a string',
      'ClusterRole',
      (o: K8sObject) => ({ ...o, rules: [{ ...o.rules?.[0], verbs: 'get' }] }),
      /verbs must be array/,
    ],
    [
      'a roleRef without a name',
      'RoleBinding',
      (o: K8sObject) => ({ ...o, roleRef: { apiGroup: o.roleRef?.apiGroup, kind: 'Role' } }),
      /roleRef must have required property name/,
    ],
    [
      'a label value that is a number',
      'Namespace',
      (o: K8sObject) => ({ ...o, metadata: { ...o.metadata, labels: { enforce: 1 } } }),
      /labels\/enforce must be string/,
    ],
    [
      'an old API version',
      'Role',
      (o: K8sObject) => ({ ...o, apiVersion: 'rbac.authorization.k8s.io/v1beta1' }),
      /apiVersion/,
    ],
  ])('the validator rejects %s (so it is no rubber stamp)', (_what, kind, broken, message) => {
    const [result] = validateK8s([broken(only(kind))]);
    expect(result?.valid).toBe(false);
    expect(result?.error).toMatch(message);
  });

  it("makes one namespace, the debug pod's, Pod Security privileged; every namespaced object is in it", () => {
    const namespace = only('Namespace');
    expect(namespace.metadata.name).toBe(DEFAULT_DEBUG_NAMESPACE);
    expect(namespace.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged' });
    for (const o of objects.filter((x) => x.kind === 'Role' || x.kind === 'RoleBinding')) {
      expect(o.metadata.namespace).toBe(DEFAULT_DEBUG_NAMESPACE);
    }
    for (const o of objects.filter((x) => x.kind.startsWith('Cluster') || x.kind === 'Namespace')) {
      expect(o.metadata.namespace).toBeUndefined();
    }
  });

  it('covers exactly the calls the app makes (kube-access.ts), and no call goes unreviewed', () => {
    expect(callsInKubeAccess()).toEqual(Object.keys(CALLS).sort());
    expect(grants(only('Role').rules ?? [])).toEqual(needs('namespace'));
  });

  it('grants nothing cluster-wide beyond get and list of nodes and pods', () => {
    const clusterRole = only('ClusterRole');
    expect(clusterRole.rules).toEqual([
      { apiGroups: [''], resources: ['nodes', 'pods'], verbs: ['get', 'list'] },
    ]);
    // What the app lists cluster-wide is in there (get comes along: kubectl describe for the on-call).
    for (const need of needs('cluster')) expect(grants(clusterRole.rules ?? [])).toContain(need);
  });

  it('binds each role to the managed identity by object ID, as an Entra ID user, and to nothing else', () => {
    const bindings: [string, string][] = [
      ['ClusterRoleBinding', 'ClusterRole'],
      ['RoleBinding', 'Role'],
    ];
    for (const [bindingKind, roleKind] of bindings) {
      const binding = only(bindingKind);
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: roleKind,
        name: only(roleKind).metadata.name,
      });
      expect(binding.subjects).toEqual([
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: OBJECT_ID },
      ]);
    }
  });

  it('has the object ID placeholder in the subjects only, and the documented command replaces it', () => {
    const raw = manifestFiles.map((f) => readFileSync(join(K8S_DIR, f), 'utf8')).join('\n');
    const placeholders = raw
      .split('\n')
      .filter((line) => line.includes('${') && !line.trim().startsWith('#'));
    expect(placeholders.map((line) => line.trim())).toEqual([
      `name: ${PLACEHOLDER}`,
      `name: ${PLACEHOLDER}`,
      `image: ${IMAGE_PLACEHOLDER}`,
    ]);
    expect(substituted()).not.toContain('${');
    // Each file starts a YAML document, so the files can be concatenated into one stream for kubectl.
    for (const f of manifestFiles) expect(readFileSync(join(K8S_DIR, f), 'utf8')).toMatch(/^---\n/);
  });

  it('is in the namespace the Bicep deploys the app with (param default and azd default)', () => {
    const bicep = readFileSync(join(__dirname, '../../infra/main.bicep'), 'utf8');
    expect(bicep).toMatch(new RegExp(`^param debugNamespace string = '${DEFAULT_DEBUG_NAMESPACE}'$`, 'm'));
    const parameters = readFileSync(join(__dirname, '../../infra/main.parameters.json'), 'utf8');
    expect(parameters).toContain(`\${SNAT_DEBUG_NAMESPACE=${DEFAULT_DEBUG_NAMESPACE}}`);
  });
});
