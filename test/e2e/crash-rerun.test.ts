import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AzureAccess } from '../../src/adapters/azure/azure-access';
import { KubeAccess } from '../../src/adapters/kube/kube-access';
import { DEFAULT_SCENARIO } from '../../src/sim/default-scenario';
import { SIM_DEBUG_NAMESPACE, startSimCluster, type SimCluster } from '../../src/sim/sim-cluster';
import { simCredential } from '../../src/sim/sim-credential';
import { investigate } from '../../src/workflow/local-driver';
import { MemoryArchives } from '../helpers/memory-archive';

const ROOT = join(__dirname, '..', '..');
/** A build of its own, so that it cannot collide with other suites' builds of dist/. */
const BUILD = join(ROOT, 'dist', '.crash-bin');

/**
 * The local driver in a process of its own, as `aks-snat investigate` runs it: it prints its progress
 * lines on stdout, so the test knows when the trace is under way, and is then killed.
 */
const CHILD = `
const { investigate } = require(${JSON.stringify(join(BUILD, 'src/workflow/local-driver.js'))});
const { AzureAccess } = require(${JSON.stringify(join(BUILD, 'src/adapters/azure/azure-access.js'))});
const { KubeAccess } = require(${JSON.stringify(join(BUILD, 'src/adapters/kube/kube-access.js'))});
const { simCredential } = require(${JSON.stringify(join(BUILD, 'src/sim/sim-credential.js'))});
const a = JSON.parse(process.argv[2]);
const archive = { location: 'nowhere', write: async () => {}, read: async () => '' };
investigate(a.request, {
  azure: new AzureAccess({ credential: simCredential(a.token), endpoint: a.endpoint, tlsOptions: { ca: a.ca } }),
  kube: (kubeconfig) => new KubeAccess({ kubeconfig }),
  archive: () => archive,
  debugNamespace: a.namespace,
  debugImage: 'busybox',
  progress: (line) => process.stdout.write(line + '\\n'),
});
`;

function debugPods(sim: SimCluster) {
  return sim.kube.pods().filter((p) => p.metadata?.namespace === SIM_DEBUG_NAMESPACE);
}

describe('crash safety: the local driver killed mid-trace, then the same investigation run again', () => {
  let sim: SimCluster;

  beforeAll(() => {
    rmSync(BUILD, { recursive: true, force: true });
    mkdirSync(BUILD, { recursive: true });
    try {
      execFileSync(process.execPath, [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        BUILD,
        '--rootDir',
        ROOT,
      ]);
    } catch {
      // tsc emits despite type errors elsewhere in the tree; the run below says whether the driver works
    }
    writeFileSync(join(BUILD, 'child.js'), CHILD);
  }, 120_000);

  beforeEach(async () => {
    sim = await startSimCluster(DEFAULT_SCENARIO, { startDelayMs: 20 });
  });
  afterEach(() => sim.close());
  afterAll(() => rmSync(BUILD, { recursive: true, force: true }));

  it('leaves one pod behind (SIGKILL); the rerun replaces it, never two at once, and removes its own', async () => {
    const request = {
      investigationId: 'cli-crash',
      cluster: { clusterId: sim.arm.clusterId },
      node: { ip: sim.alertNodeIp },
      traceSeconds: 30,
      requestedAt: '2026-11-22T10:00:00.000Z',
    };
    const child = spawn(
      process.execPath,
      [
        join(BUILD, 'child.js'),
        JSON.stringify({
          request,
          token: sim.token,
          endpoint: sim.arm.endpoint,
          ca: sim.arm.ca,
          namespace: SIM_DEBUG_NAMESPACE,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: string[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        if (lines.some((l) => l.startsWith('tracing 1/30 s'))) resolve();
      });
      child.on('exit', () => reject(new Error(`the driver ended before tracing: ${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // What the crash leaves: the privileged pod, still running, with its deadline.
    const [left, ...more] = debugPods(sim);
    expect(more).toEqual([]);
    expect(left?.status?.phase).toBe('Running');
    // The BPF compile's allowance, the trace, the exec window, a minute of margin.
    expect(left?.spec?.activeDeadlineSeconds).toBe(180 + 30 + 300 + 60);
    const leftUid = left?.metadata?.uid;

    // The rerun, watched every 5 ms: how many debug pods the node has at any moment, and which.
    let most = 0;
    const uids = new Set<string>();
    const watch = setInterval(() => {
      const pods = debugPods(sim);
      most = Math.max(most, pods.length);
      for (const pod of pods) uids.add(pod.metadata?.uid ?? '');
    }, 5);
    const progress: string[] = [];
    const archives = new MemoryArchives();
    let finding;
    try {
      finding = await investigate(
        { ...request, traceSeconds: 2, requestedAt: '2026-11-22T10:05:00.000Z' },
        {
          azure: new AzureAccess({
            credential: simCredential(sim.token),
            endpoint: sim.arm.endpoint,
            tlsOptions: { ca: sim.arm.ca },
          }),
          kube: (kubeconfig) => new KubeAccess({ kubeconfig }),
          archive: (folder) => archives.folder(folder),
          debugNamespace: SIM_DEBUG_NAMESPACE,
          debugImage: 'busybox',
          progress: (line) => progress.push(line),
        },
      );
    } finally {
      clearInterval(watch);
    }
    expect(progress).toContain('replacing the debug pod left by an earlier run (2026-11-22T10:00:00.000Z)');
    expect(most).toBe(1);
    expect(uids.has(leftUid ?? '')).toBe(true);
    expect(uids.size).toBe(2); // the leftover, then the rerun's own
    expect(debugPods(sim)).toEqual([]);
    expect(finding.status).toBe('complete');
    const checkout = finding.pods.find((p) => p.name === 'checkout-5d8f7');
    expect(checkout && [checkout.established, checkout.publicEstablished, checkout.tracedConnects]).toEqual([
      322, 312, 88,
    ]);
  }, 90_000);
});
