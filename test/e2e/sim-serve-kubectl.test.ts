import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { debugPodName, debugPodSpec } from '../../src/adapters/kube/debug-pod';
import { KubeAccess } from '../../src/adapters/kube/kube-access';
import { runSimServe } from '../../src/cli/sim-serve';

const run = promisify(execFile);
const SCENARIO = join(__dirname, '..', 'fixtures', 'scenarios', 'hostnetwork-culprit.json');
const NODE = 'aks-nodepool1-12345678-vmss000000';

describe('real kubectl against `aks-snat sim serve`', () => {
  let dir: string;
  let kubeconfig: string;
  let stop: (signal: string) => void;
  let served: Promise<number>;
  const kubectl = async (...args: string[]) =>
    (await run('kubectl', ['--kubeconfig', kubeconfig, ...args])).stdout;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-serve-'));
    kubeconfig = join(dir, 'kubeconfig');
    let stderr = '';
    const ready = new Promise<void>((resolve) => {
      served = runSimServe(
        ['serve', '--scenario', SCENARIO, '--kubeconfig', kubeconfig],
        {
          stdout: { write: () => true },
          stderr: {
            write: (text: string) => {
              stderr += text;
              if (stderr.includes('stop with Ctrl-C')) resolve();
              return true;
            },
          },
        },
        () => new Promise((resolve) => (stop = resolve)),
      );
    });
    await ready;
  }, 60_000);

  afterAll(async () => {
    stop('SIGTERM');
    expect(await served).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('get nodes -o wide shows INTERNAL-IP', async () => {
    const out = await kubectl('get', 'nodes', '-o', 'wide');
    expect(out.split('\n')[0]).toMatch(
      /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE/,
    );
    expect(out).toMatch(
      new RegExp(`^${NODE}\\s+Ready\\s+<none>\\s+\\S+\\s+v1\\.32\\.4\\s+10\\.224\\.0\\.4\\s`, 'm'),
    );
  }, 30_000);

  it("get pods -A -o wide --field-selector lists exactly that node's pods", async () => {
    const out = await kubectl('get', 'pods', '-A', '-o', 'wide', '--field-selector', `spec.nodeName=${NODE}`);
    const rows = out
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/));
    expect(rows.map((r) => `${r[0]}/${r[1]} ${r[6]} ${r[7]}`)).toEqual([
      `kube-system/kube-proxy-x7k2p 10.224.0.4 ${NODE}`,
      `monitoring/log-forwarder-q8w7e 10.224.0.4 ${NODE}`,
      `shop/cart-7c9d4 10.244.1.9 ${NODE}`,
    ]);
  }, 30_000);

  it('kubectl exec into the debug pod reads the trace file; its log holds no trace (kubelet rotates it)', async () => {
    const kube = new KubeAccess({ kubeconfig: readFileSync(kubeconfig, 'utf8') });
    await kube.createPod(
      debugPodSpec({
        investigationId: 'kubectl',
        nodeName: NODE,
        namespace: 'aks-snat-responder',
        image: 'busybox',
        traceSeconds: 1,
        runId: '2026-11-22T10:00:00.000Z',
      }),
    );
    const name = debugPodName('kubectl');
    for (
      let i = 0;
      i < 100 && (await kube.readPod('aks-snat-responder', name)).status?.phase !== 'Running';
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The pod's own script: the BPF compile (seconds), the banner, a second of tracing, the SIGINT.
    let status = '';
    for (let i = 0; i < 200 && status === ''; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await kubectl(
        'exec',
        '-n',
        'aks-snat-responder',
        name,
        '--',
        'cat',
        '/trace/tracer.status',
      ).catch(() => '');
    }
    expect(status).toBe('0\n');
    const trace = await kubectl('exec', '-n', 'aks-snat-responder', name, '--', 'cat', '/trace/trace.log');
    expect(trace.split('\n').slice(0, 2)).toEqual([
      'Tracing TCP established connections. Ctrl-C to end.',
      'TIME(ns)      TYPE         PID    COMM             IP SADDR            DADDR            SPORT  DPORT  NETNS   ',
    ]);
    expect(trace).toMatch(/connect\s+\d+\s+\S.*4 {2}10\.224\.0\.4 /);
    expect(await kubectl('logs', '-n', 'aks-snat-responder', name)).not.toContain('Tracing TCP');
    // The busybox image has no nsenter: kubectl says what the runtime says.
    const refused = await kubectl(
      'exec',
      '-n',
      'aks-snat-responder',
      name,
      '--',
      'nsenter',
      '-t',
      '1',
      '-n',
      'ss',
    ).catch((error: unknown) => String(error));
    expect(refused).toContain('exec: "nsenter": executable file not found in $PATH');
    await kube.deletePod('aks-snat-responder', name);
  }, 30_000);
});
