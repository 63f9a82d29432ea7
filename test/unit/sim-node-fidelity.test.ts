/**
 * What the node and the tools really do (DESIGN.md section 5), each fact as the simulator reproduces it:
 * the command lines the responder used before (written out here as they were) fail in it as they fail on
 * a stock AKS node, and today's succeed. The debug pod runs as it does there: busybox for an image, the
 * node's files under /host, Python's buffering and signals, bcc's per-CPU buffers, kubelet's log rotation.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { debugPodSpec } from '../../src/adapters/kube/debug-pod';
import { aggregateTrace } from '../../src/core/aggregate-trace';
import { IpClassifier } from '../../src/core/classify-ip';
import { parseSocketTable } from '../../src/core/parse-sockets';
import { ContainerLog } from '../../src/sim/container-log';
import { DebugContainer } from '../../src/sim/debug-container';
import { DEFAULT_SCENARIO } from '../../src/sim/default-scenario';
import { NodeModel } from '../../src/sim/node-model';
import type { NodeImageName } from '../../src/sim/node-images';
import { ContainerStartError } from '../../src/sim/pod-runtime';
import type { Scenario } from '../../src/sim/scenario';
import { SimClock } from '../../src/sim/sim-os';
import type { TracerFaults } from '../../src/sim/sim-tracer';
import { debugPodScript } from '../../src/workflow/node-commands';

const NODE = 'aks-nodepool1-12345678-vmss000000';
/** Before: the pod's command entered the host with nsenter, then timeout, then tcptracer by its path. */
const OLD_POD_COMMAND = [
  'nsenter',
  '-t',
  '1',
  '-m',
  '-u',
  '-i',
  '-n',
  '-p',
  '--',
  'sh',
  '-c',
  "timeout 2s /usr/share/bcc/tools/tcptracer -t4v; echo '--- aks-snat: trace done ---'; exec sleep 300",
];

function onImage(image: NodeImageName, scenario: Scenario = DEFAULT_SCENARIO): NodeModel {
  return new NodeModel(
    { ...scenario, nodes: scenario.nodes.map((n, i) => (i === 0 ? { ...n, image } : n)) },
    NODE,
  );
}

/** The debug pod as the responder makes it, with `command` in place of its own if given. */
function pod(command?: readonly string[]): V1Pod {
  const spec = debugPodSpec({
    investigationId: 'fidelity',
    nodeName: NODE,
    namespace: 'aks-snat-responder',
    image: 'mcr.microsoft.com/cbl-mariner/busybox:2.0',
    traceSeconds: 2,
    runId: 'r',
  });
  if (command === undefined) return spec;
  const container = spec.spec?.containers[0];
  return {
    ...spec,
    spec: { ...spec.spec, containers: [{ ...container, name: 'debug', command: [...command] }] },
  };
}

/** Runs the container's command to its end (or until `stopAfterMs`), on a clock 40 times the wall clock. */
async function runContainer(
  model: NodeModel,
  spec: V1Pod,
  options: { faults?: TracerFaults; stopWhen?: (c: DebugContainer) => boolean } = {},
) {
  const container = new DebugContainer(model, spec, 'debug', {
    clock: new SimClock(1000, 40),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  const abort = new AbortController();
  let log = '';
  const run = (async () => {
    const iterator = container.run(abort.signal);
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return next.value;
      log += next.value;
    }
  })();
  const file = (name: string) =>
    Buffer.concat(container.os.files.get(`/trace/${name}`)?.chunks ?? []).toString('utf8');
  // Until the pod's bookkeeping says the tracer ended (or the container did).
  let status: number | null = null;
  const ended = run.then((code) => (status = code));
  for (
    let i = 0;
    i < 400 && status === null && !(options.stopWhen?.(container) ?? file('tracer.status') !== '');
    i++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const result = { container, log: () => log, file, status: () => status };
  abort.abort();
  await ended.catch(() => undefined);
  return result;
}

describe('the debug pod on a simulated node, as on a stock AKS node', () => {
  it('busybox has no nsenter: the old command never starts (StartError, as containerd says)', async () => {
    const container = new DebugContainer(onImage('ubuntu2204'), pod(OLD_POD_COMMAND), 'debug', {
      clock: new SimClock(1000, 40),
    });
    await expect(container.run().next()).rejects.toEqual(
      new ContainerStartError(
        'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nsenter": executable file not found in $PATH: unknown',
      ),
    );
  });

  it("tcptracer by its path: Ubuntu has no `python` for bcc's `#!/usr/bin/env python` (127); Azure Linux's bcc is rewritten to python3", async () => {
    const old = "sh -c 'timeout 2s /usr/share/bcc/tools/tcptracer -t4v'";
    for (const [image, exit, stderr] of [
      ['ubuntu2204', 127, "/usr/bin/env: 'python': No such file or directory\n"],
      ['ubuntu2404', 127, "/usr/bin/env: 'python': No such file or directory\n"],
      // Azure Linux runs it, with python3, block-buffered into the pipe: timeout's SIGTERM loses it all.
      ['azurelinux3', 143, ''],
    ] as const) {
      const container = new DebugContainer(onImage(image), pod(), 'debug', { clock: new SimClock(1000, 40) });
      const result = await container.exec(['chroot', '/host', 'sh', '-c', old.slice(7, -1)]);
      expect([image, result.exitCode, result.stderr]).toEqual([image, exit, stderr]);
    }
  });

  it('python3 -u tcptracer -tv, stopped by SIGINT from the watcher: exit 0, the banner, every event', async () => {
    const { file } = await runContainer(onImage('ubuntu2204'), pod());
    expect(file('tracer.status')).toBe('0\n');
    expect(file('trace.log').split('\n')[0]).toBe('Tracing TCP established connections. Ctrl-C to end.');
    const summary = aggregateTrace(file('trace.log'), new IpClassifier());
    const checkout = summary.sources.find((s) => s.saddr === '10.244.1.7');
    // 40/s + 3/s + 1/s of the built-in scenario's checkout, for the 2 s window.
    expect([checkout?.connects, checkout?.publicConnects]).toEqual([88, 86]);
    const uptime = (name: string) => Number(file(name).split(' ')[0]);
    // /proc/uptime counts hundredths: each difference is good to 0.01 s.
    expect(uptime('ended') - uptime('banner')).toBeGreaterThanOrEqual(1.99);
    expect(uptime('banner') - uptime('started')).toBeGreaterThanOrEqual(1.99); // the BPF compile
  });

  it("timeout's SIGTERM loses Python's buffered output: on a quiet node all of it, banner too", async () => {
    const quiet = {
      ...DEFAULT_SCENARIO,
      nodes: DEFAULT_SCENARIO.nodes.map((n, i) => (i === 0 ? { ...n, pods: [] } : n)),
    };
    const { file } = await runContainer(
      onImage('ubuntu2204', quiet),
      pod([
        'sh',
        '-c',
        'cd /trace; timeout 5 chroot /host python3 /usr/share/bcc/tools/tcptracer -tv > trace.log; echo $? > tracer.status',
      ]),
    );
    expect(file('tracer.status')).toBe('143\n');
    expect(file('trace.log')).toBe('');
  });

  it('a background job of sh ignores SIGINT, and Python keeps the ignore: kill -INT does not stop it', async () => {
    const container = new DebugContainer(
      onImage('ubuntu2204'),
      pod([
        'sh',
        '-c',
        'cd /trace; chroot /host python3 -u /usr/share/bcc/tools/tcptracer -tv > trace.log & exec sleep 300',
      ]),
      'debug',
      { clock: new SimClock(1000, 40) },
    );
    const abort = new AbortController();
    const running = container.run(abort.signal).next();
    const traced = () => container.os.files.get('/trace/trace.log')?.size ?? 0;
    for (let i = 0; i < 300 && traced() < 2000; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const interrupt = await container.exec(['sh', '-c', 'kill -INT 3000001']);
    expect(interrupt.exitCode).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const tracer = container.os.process(3000001);
    expect(tracer?.ignored.has(2)).toBe(true);
    expect(tracer?.alive).toBe(true);
    const before = traced();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(traced()).toBeGreaterThan(before); // still tracing
    abort.abort();
    await running.catch(() => undefined);
  });

  const dualStack = (connectsPerSecond: number): Scenario => ({
    ...DEFAULT_SCENARIO,
    nodes: DEFAULT_SCENARIO.nodes.map((n, i) =>
      i === 0
        ? {
            ...n,
            pods: n.pods.map((p) =>
              p.name === 'checkout-5d8f7'
                ? {
                    ...p,
                    traffic: p.traffic.map((t) => ({ ...t, connectsPerSecond, socket: 'ipv6' as const })),
                  }
                : p,
            ),
          }
        : n,
    ),
  });

  it("an AF_INET6 socket's IPv4 connects (Java, .NET) are never printed: -tv shows their closes as [::ffff:a.b.c.d], -4 nothing", () => {
    const model = onImage('ubuntu2204', dualStack(40));
    const lines = model.traceLines(2).map((l) => l.text);
    expect(lines.filter((l) => / 4 {2}10\.244\.1\.7 /.test(l))).toHaveLength(0);
    const mapped = lines.filter((l) => l.includes('[::ffff:10.244.1.7]'));
    expect(mapped.filter((l) => / connect /.test(l))).toHaveLength(0);
    expect(mapped.filter((l) => / close /.test(l)).length).toBeGreaterThan(70);
    const summary = aggregateTrace(lines.map((l) => `${l}\n`).join(''), new IpClassifier());
    const checkout = summary.sources.find((s) => s.saddr === '10.244.1.7');
    expect([checkout?.connects, checkout?.mappedCloses]).toEqual([0, mapped.length]);
  });

  it("past 10,240 of them tcptracer's IPv4 map is full: no IPv4 connect of any pod is printed any more", () => {
    // checkout's three destinations at 80/s each over a dual-stack socket: 240/s fill tuplepid_ipv4
    // (bcc's 10,240 entries) 42.7 s in; cart's plain IPv4 connects (69/s) are not printed after that.
    const model = onImage('ubuntu2204', dualStack(80));
    const cartConnects = (lines: readonly { text: string; atSecond: number }[]) =>
      lines.filter((l) => / connect .* 4 {2}10\.244\.1\.9 /.test(l.text));
    const lines = model.traceLines(200);
    const seconds = new Set(cartConnects(lines).map((l) => l.atSecond));
    expect(Math.max(...seconds)).toBe(42);
  });

  it('netstat without -W cuts address:port to 23 columns; with -W the IPv6 peer reads whole', () => {
    const model = new NodeModel(
      {
        ...DEFAULT_SCENARIO,
        nodes: [
          {
            ...DEFAULT_SCENARIO.nodes[0]!,
            pods: [
              {
                namespace: 'data',
                name: 'ingest',
                ip: 'fd00:10:244:1::7',
                ips: ['fd00:10:244:1::7'],
                hostNetwork: false,
                containers: [{ name: 'app', tools: ['netstat'], image: 'i', command: ['/app'] }],
                traffic: [
                  {
                    to: '[2603:1030:40c:8e1::1f2a]:443',
                    connectsPerSecond: 0,
                    established: 1,
                    container: 'app',
                    socket: 'ipv6',
                  },
                ],
              },
            ],
          },
        ],
      },
      NODE,
    );
    const cut = model.execInPod('data', 'ingest', 'app', ['netstat', '-ptn']).stdout;
    const wide = model.execInPod('data', 'ingest', 'app', ['netstat', '-ptnW']).stdout;
    // net-tools netstat.c: `address:port` over 22 characters keeps the port and cuts the address; the
    // real netstat (net-tools 2.10) printed exactly this for this peer in a netns here.
    expect(cut).toContain(' 2603:1030:40c:8e1:::443 ESTABLISHED');
    expect(wide).toContain(' 2603:1030:40c:8e1::1f2a:443 ');
    expect(
      parseSocketTable(wide).sockets.filter((s) => s.remoteAddress === '2603:1030:40c:8e1::1f2a'),
    ).toHaveLength(1);
  });

  it("busybox has no ss: `nsenter -t PID -n ss` in the pod is refused (126); chroot /host ss is the node's", async () => {
    const container = new DebugContainer(onImage('ubuntu2204'), pod(), 'debug', {
      clock: new SimClock(1000, 40),
    });
    expect((await container.exec(['nsenter', '-t', '1', '-n', 'ss', '-tnp'])).exitCode).toBe(126);
    const hostSs = await container.exec(['chroot', '/host', 'ss', '-tnp']);
    expect(hostSs.exitCode).toBe(0);
    expect(parseSocketTable(hostSs.stdout).format).toBe('ss');
  });

  it("busybox 1.35/1.36 timeout takes whole seconds (coreutils/timeout.c); the pod's script gives it whole ones", async () => {
    const container = new DebugContainer(onImage('azurelinux3'), pod(), 'debug', {
      clock: new SimClock(1000, 40),
    });
    expect(await container.exec(['timeout', '0.5', 'sleep', '1'])).toEqual({
      stdout: '',
      stderr: "timeout: invalid number '0.5'\n",
      exitCode: 1,
    });
    expect(debugPodScript(2)).toMatch(/exec timeout -s INT -k 10 \d+ chroot/);
    // crictl is in /usr/local/bin on Azure Linux 3: on the debug pod's PATH after chroot /host too.
    expect((await container.exec(['chroot', '/host', 'crictl', 'pods', '-o', 'json'])).exitCode).toBe(0);
  });

  it('kubelet serves only the current log file: past 10 MiB the start of a long trace is gone', () => {
    const log = new ContainerLog();
    const line = `${'x'.repeat(127)}\n`;
    log.append('Tracing TCP established connections. Ctrl-C to end.\n');
    for (let i = 0; i < 90_000; i++) log.append(line);
    expect(log.text.startsWith('Tracing TCP')).toBe(false);
    expect(Buffer.byteLength(log.text)).toBeLessThanOrEqual(10 * 1024 * 1024);
  });

  it.each<[string, NodeImageName, TracerFaults, number, RegExp]>([
    [
      'no bcc on the node',
      'nobcc',
      {},
      2,
      /python3: can't open file '\/usr\/share\/bcc\/tools\/tcptracer': \[Errno 2\] No such file or directory/,
    ],
    [
      'no kernel headers',
      'ubuntu2204',
      { kernelHeadersMissing: true },
      1,
      /Exception: Failed to compile BPF module <text>/,
    ],
    ['an OOM kill in the compile', 'ubuntu2204', { oomKilled: true }, 137, /^$/],
  ])(
    'a tracer that does not trace (%s) ends with its own status and words, and no banner',
    async (_name, image, faults, status, stderr) => {
      const { file, log } = await runContainer(onImage(image), pod(), { faults });
      expect(file('tracer.status')).toBe(`${status}\n`);
      expect(file('banner')).toBe('');
      expect(log()).toMatch(stderr);
    },
  );

  it("the pod's own script is the one the simulator runs", () => {
    expect(pod().spec?.containers[0]?.command).toEqual(['sh', '-c', debugPodScript(2)]);
  });
});
