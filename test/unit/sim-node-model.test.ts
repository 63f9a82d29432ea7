import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregateTrace, type TraceSummary } from '../../src/core/aggregate-trace';
import { buildFinding } from '../../src/core/build-finding';
import { IpClassifier } from '../../src/core/classify-ip';
import { podKey, resolveNodeEvidence, type NodePod } from '../../src/core/correlate';
import type { Finding, RankedPod } from '../../src/core/finding';
import { parseCrictlPods, parseCrictlPs } from '../../src/core/parse-crictl';
import { parseLsns, type NetNamespace } from '../../src/core/parse-lsns';
import { findShimSandboxId, parsePstree } from '../../src/core/parse-pstree';
import { parseSocketTable } from '../../src/core/parse-sockets';
import { parseTraceLine } from '../../src/core/parse-tcptracer';
import type { SocketReading } from '../../src/core/rank-pods';
import { DEFAULT_SCENARIO } from '../../src/sim/default-scenario';
import { HOST_NETNS } from '../../src/sim/node-identities';
import { NodeModel, type ExecResult, type SimPod } from '../../src/sim/node-model';
import { parseScenario, type Scenario } from '../../src/sim/scenario';
import { sample } from '../helpers/samples';

const classifier = new IpClassifier();
const ALERTING_NODE = 'aks-nodepool1-12345678-vmss000000';
/** The node's tools as the debug pod reaches them (`chroot /host`): the model answers the tool itself. */
const HOST: string[] = [];

function scenario(file: string): Scenario {
  return parseScenario(readFileSync(join(__dirname, '..', 'fixtures', 'scenarios', file), 'utf8'));
}

/** A node tool's answer (`nsenter -t PID -n TOOL` in that PID's netns), or `cat` of /proc files. */
function answer(model: NodeModel, argv: readonly string[]): ExecResult {
  if (argv[0] === 'cat') {
    const texts = argv.slice(1).map((file) => model.procFile(file));
    const missing = argv.slice(1).filter((_file, i) => texts[i] === null);
    return {
      stdout: texts.filter((t) => t !== null).join(''),
      stderr: missing.map((file) => `cat: can't open '${file}': No such file or directory\n`).join(''),
      exitCode: missing.length === 0 ? 0 : 1,
    };
  }
  const entered = argv[0] === 'nsenter' && argv[2] !== undefined ? Number(argv[2]) : null;
  const tool = entered === null ? argv : argv.slice(4);
  return model.runTool(tool, entered) ?? { stdout: '', stderr: 'not modelled', exitCode: 1 };
}

function run(model: NodeModel, argv: readonly string[]): string {
  const result = answer(model, argv);
  expect({ argv, exitCode: result.exitCode, stderr: result.stderr }).toEqual({
    argv,
    exitCode: 0,
    stderr: '',
  });
  return result.stdout;
}

function traceText(model: NodeModel, seconds: number): string {
  return model
    .traceLines(seconds)
    .map((line) => `${line.text}\n`)
    .join('');
}

function podOf(model: NodeModel, key: string): SimPod {
  const pod = model.pods().find((p) => `${p.namespace}/${p.name}` === key);
  if (pod === undefined) throw new Error(`no pod ${key}`);
  return pod;
}

/**
 * The runbook as the workflow runs it, through the real core: trace -> lsns -> pstree -> crictl, socket
 * tables read from the host side (/proc/<pid>/net/tcp{,6} for pods; `ss -tnp` in the host netns, whose PIDs
 * tell hostNetwork pods from the node's daemons), then attribution, ranking and the finding.
 */
function investigate(
  model: NodeModel,
  seconds = 2,
): { finding: Finding; trace: TraceSummary; namespaces: NetNamespace[] } {
  const trace = aggregateTrace(traceText(model, seconds), classifier);
  const namespaces = parseLsns(run(model, [...HOST, 'lsns', '-t', 'net', '-J']));
  const sandboxes = parseCrictlPods(run(model, [...HOST, 'crictl', 'pods', '-o', 'json']));
  const pidSandboxes = new Map<number, string | null>();
  const lookUp = (pid: number) => {
    if (pidSandboxes.has(pid)) return;
    const tree = parsePstree(run(model, [...HOST, 'pstree', '-aspl', String(pid)]));
    pidSandboxes.set(pid, findShimSandboxId(tree, pid));
  };
  namespaces.forEach((ns) => lookUp(ns.pid));
  const host = namespaces.reduce((a, b) => (b.pid < a.pid ? b : a));
  const hostTable = parseSocketTable(run(model, ['nsenter', '-t', String(host.pid), '-n', 'ss', '-tnp']));
  for (const socket of hostTable.sockets) if (socket.pid !== null) lookUp(socket.pid);
  for (const source of trace.sources) {
    if (source.netns === host.ns) source.processes.forEach((process) => lookUp(process.pid));
  }
  const evidence = resolveNodeEvidence({ namespaces, pidSandboxes, sandboxes });

  const pods: NodePod[] = model.pods().map((pod) => ({
    namespace: pod.namespace,
    name: pod.name,
    ips: pod.hostNetwork ? [] : pod.podIPs,
    hostNetwork: pod.hostNetwork,
  }));
  const sockets = new Map<string, SocketReading>();
  for (const pod of pods) {
    if (pod.hostNetwork) {
      sockets.set(podKey(pod), { kind: 'read', table: hostTable });
      continue;
    }
    const netns = [...evidence.netnsPods].find(([, owner]) => podKey(owner) === podKey(pod))?.[0];
    const pid = namespaces.find((ns) => ns.ns === netns)?.pid;
    if (pid === undefined) throw new Error(`no netns found for ${podKey(pod)}`);
    const text = run(model, ['cat', `/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]);
    sockets.set(podKey(pod), { kind: 'read', table: parseSocketTable(text) });
  }
  const finding = buildFinding({
    cluster: null,
    node: model.node,
    trace,
    pods,
    sockets,
    evidence,
    snat: null,
    classifier,
  });
  return { finding, trace, namespaces };
}

function counts(pod: RankedPod | undefined): number[] {
  return [
    pod?.established ?? -1,
    pod?.publicEstablished ?? -1,
    pod?.tracedConnects ?? -1,
    pod?.tracedPublicConnects ?? -1,
  ];
}

describe('attribution through the real core: [established, public established, traced connects, traced public]', () => {
  const cases: [string, string, Record<string, number[]>][] = [
    [
      'hostnetwork-culprit.json',
      'monitoring/log-forwarder-q8w7e',
      {
        // Its host-netns neighbours (kubelet, waagent, kube-proxy) are not charged to it.
        'monitoring/log-forwarder-q8w7e': [155, 150, 54, 50],
        'kube-system/kube-proxy-x7k2p': [2, 2, 1, 1],
        'shop/cart-7c9d4': [40, 0, 20, 0],
      },
    ],
    [
      'private-decoy.json',
      'shop/checkout-5d8f7',
      {
        'shop/checkout-5d8f7': [120, 120, 30, 30],
        // Busiest pod by far, but only private and platform addresses: 0 public.
        'shop/cart-7c9d4': [450, 0, 256, 0],
      },
    ],
    [
      'distroless-culprit.json',
      'shop/payments-6b9f2',
      { 'shop/payments-6b9f2': [228, 220, 64, 60], 'shop/cart-7c9d4': [60, 60, 20, 20] },
    ],
    [
      'multi-container-culprit.json',
      'shop/frontend-8c7d5',
      {
        // 100 + 80 public across two containers beats 150 in one.
        'shop/frontend-8c7d5': [210, 180, 70, 60],
        'shop/checkout-5d8f7': [150, 150, 24, 24],
      },
    ],
    [
      'ipv6-culprit.json',
      'data/ingest-6f5b4',
      {
        // Public ESTABLISHED from tcp6; tcptracer -tv traces its IPv6 connects too (-4 saw none).
        'data/ingest-6f5b4': [210, 200, 68, 60],
        'shop/checkout-5d8f7': [50, 50, 40, 40],
      },
    ],
  ];

  test.each(cases)('%s: the culprit is %s', (file, culprit, expected) => {
    const model = new NodeModel(scenario(file), ALERTING_NODE);
    const { finding } = investigate(model);
    expect(finding.status).toBe('complete');
    expect(finding.warnings).toEqual([]);
    expect(finding.culprit === null ? null : podKey(finding.culprit)).toBe(culprit);
    expect(podKey(finding.pods[0] as RankedPod)).toBe(culprit);
    const actual = Object.fromEntries(
      Object.keys(expected).map((key) => [key, counts(finding.pods.find((p) => podKey(p) === key))]),
    );
    expect(actual).toEqual(expected);
  });

  test('a hostNetwork pod is told how many host-netns sockets were left out', () => {
    const { finding } = investigate(new NodeModel(scenario('hostnetwork-culprit.json'), ALERTING_NODE));
    const forwarder = finding.pods.find((p) => p.name === 'log-forwarder-q8w7e');
    // kubelet's and waagent's connections and kube-proxy's two.
    expect(forwarder?.evidence).toContain(
      'hostNetwork: counted only sockets of its own processes (4 other ESTABLISHED sockets in the host netns left out)',
    );
  });

  test('the built-in scenario names shop/checkout-5d8f7', () => {
    const { finding } = investigate(new NodeModel(DEFAULT_SCENARIO, ALERTING_NODE));
    expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
    expect(counts(finding.pods[0])).toEqual([322, 312, 88, 86]);
    expect(finding.warnings).toEqual([]);
  });

  test('1000 nodes, 250 pods on the alerting node: the same answer', () => {
    const model = new NodeModel(scenario('scale-1000-nodes.json'), ALERTING_NODE);
    expect(model.pods()).toHaveLength(250);
    const { finding, namespaces } = investigate(model);
    expect(namespaces).toHaveLength(1 + 249); // the host's and one per pod but the hostNetwork kube-proxy
    expect(finding.pods).toHaveLength(250);
    expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
    expect(counts(finding.pods[0])).toEqual([310, 300, 82, 80]);
    const idle = finding.pods.filter((p) => p.namespace === 'filler');
    expect(idle).toHaveLength(245);
    expect(idle.every((p) => p.established === 0 && p.tracedConnects === 0)).toBe(true);
  });
});

describe('formats, read by the real parsers', () => {
  const model = new NodeModel(DEFAULT_SCENARIO, ALERTING_NODE);

  test('the trace starts with tcptracer -tv banner and header, byte for byte (-4 prints the same header)', () => {
    const [banner, header] = sample('tcptracer-t4v.txt').split('\n');
    const lines = model.traceLines(2);
    expect(lines.slice(0, 2)).toEqual([
      { atSecond: 0, text: banner },
      { atSecond: 0, text: header },
    ]);
  });

  test('every trace line after the header is a -tv event due in its second, printed CPU by CPU: TIME can go back, and below 0', () => {
    const lines = model.traceLines(3).slice(2);
    expect(lines.length).toBeGreaterThan(100);
    const times: number[] = [];
    for (const line of lines) {
      const parsed = parseTraceLine(line.text);
      if (parsed.kind !== 'event') throw new Error(`not an event: ${line.text}`);
      const { event } = parsed;
      expect(event.netns).not.toBeNull();
      times.push(event.timeSeconds as number);
      expect(line.atSecond).toBeGreaterThanOrEqual(0);
      expect(line.atSecond).toBeLessThan(3);
    }
    // TIME counts from the first event printed; another CPU's buffer, read after it, holds earlier ones.
    expect(times[0]).toBe(0);
    expect(times.some((t) => t < 0)).toBe(true);
    expect(times.some((t, i) => i > 0 && t < (times[i - 1] as number))).toBe(true);
    expect(lines.map((l) => l.atSecond)).toEqual([...lines.map((l) => l.atSecond)].sort((a, b) => a - b));
  });

  test('each traffic entry yields Math.round(connectsPerSecond * seconds) connects', () => {
    const kubeProxy = podOf(model, 'kube-system/kube-proxy-x7k2p').containers[0]?.pid;
    const checkout = podOf(model, 'shop/checkout-5d8f7').containers[0]?.pid;
    const connects = (seconds: number, pid: number | undefined, daddr: string) =>
      model
        .traceLines(seconds)
        .map((line) => parseTraceLine(line.text))
        .filter(
          (l) =>
            l.kind === 'event' &&
            l.event.type === 'connect' &&
            l.event.pid === pid &&
            l.event.daddr === daddr,
        ).length;
    expect([1, 2, 3].map((s) => connects(s, kubeProxy, '20.62.213.175'))).toEqual([1, 1, 2]); // 0.5/s
    expect([1, 2, 3].map((s) => connects(s, checkout, '20.50.2.10'))).toEqual([40, 80, 120]);
    expect([1, 2, 3].map((s) => connects(s, checkout, '52.239.148.100'))).toEqual([3, 6, 9]);
  });

  test('lsns -t net -J: the host row, then one /pause row per pod netns, sorted by inode', () => {
    const text = run(model, [...HOST, 'lsns', '-t', 'net', '-J']);
    expect(text).toMatch(/^\{\n {3}"namespaces": \[\n {6}\{\n {9}"ns": \d+,\n/);
    expect(text).toContain('\n      },{\n');
    const rows = parseLsns(text);
    expect(rows[0]).toEqual({
      ns: HOST_NETNS,
      pid: 1,
      nprocs: 68 + 9 + 5 + 1 + 1, // kernel threads, systemd and its daemons, five shims, kube-proxy's pause and process
      user: 'root',
      netnsid: null,
      nsfs: null,
      command: '/sbin/init',
    });
    const pods = rows.slice(1);
    expect(pods.map((r) => r.ns)).toEqual([...pods.map((r) => r.ns)].sort((a, b) => a - b));
    expect(pods.map((r) => [r.command, r.user, r.netnsid])).toEqual([
      ['/pause', '65535', 0],
      ['/pause', '65535', 1],
      ['/pause', '65535', 2],
      ['/pause', '65535', 3],
    ]);
    expect(pods.map((r) => r.nprocs)).toEqual([2, 2, 2, 3]); // the frontend pod has two containers
    for (const row of pods)
      expect(row.nsfs).toMatch(
        /^\/run\/netns\/cni-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    expect(pods.every((r) => r.ns >= 4026532000 && r.ns < 4026533000)).toBe(true);
  });

  test('pstree -aspl: a container process leads to its pod shim, kubelet to none', () => {
    for (const pod of model.pods()) {
      for (const container of pod.containers) {
        const tree = parsePstree(run(model, [...HOST, 'pstree', '-aspl', String(container.pid)]));
        expect(findShimSandboxId(tree, container.pid)).toBe(pod.sandboxId);
      }
    }
    const kubelet = parseSocketTable(run(model, ['ss', '-tnp'])).sockets.find((s) => s.program === 'kubelet');
    const tree = parsePstree(run(model, [...HOST, 'pstree', '-aspl', String(kubelet?.pid)]));
    expect(tree[0]).toMatchObject({ pid: 1, name: 'systemd', depth: 0 });
    expect(tree[1]).toMatchObject({ name: 'kubelet', depth: 1 });
    expect(findShimSandboxId(tree, kubelet?.pid as number)).toBeNull();
  });

  test('pstree -aspl of the pause process: systemd, the shim, pause', () => {
    const pod = podOf(model, 'shop/checkout-5d8f7');
    const pause = parseLsns(run(model, [...HOST, 'lsns', '-t', 'net', '-J']))[1]?.pid as number;
    const text = run(model, [...HOST, 'pstree', '-aspl', String(pause)]);
    const shim = parsePstree(text)[1]?.pid;
    expect(text).toBe(
      'systemd,1\n' +
        `  \`-containerd-shim,${shim} -namespace k8s.io -id ${pod.sandboxId} -address /run/containerd/containerd.sock\n` +
        `      \`-pause,${pause}\n`,
    );
  });

  test('pstree of a process that is not there: nothing on stdout, exit 1', () => {
    expect(answer(model, ['pstree', '-aspl', '999999'])).toEqual({
      stdout: '',
      stderr: 'Process 999999 not found.\n',
      exitCode: 1,
    });
  });

  test('crictl pods and ps -a: every pod and container, with the API IDs', () => {
    const sandboxes = parseCrictlPods(run(model, [...HOST, 'crictl', 'pods', '-o', 'json']));
    const containers = parseCrictlPs(run(model, [...HOST, 'crictl', 'ps', '-a', '-o', 'json']));
    for (const pod of model.pods()) {
      expect(sandboxes).toContainEqual({
        id: pod.sandboxId,
        name: pod.name,
        namespace: pod.namespace,
        uid: pod.uid,
        state: 'Ready',
      });
      for (const container of pod.containers) {
        expect(containers).toContainEqual({
          id: container.containerId,
          name: container.name,
          podSandboxId: pod.sandboxId,
          podName: pod.name,
          podNamespace: pod.namespace,
          state: 'Running',
          image: container.imageId,
        });
      }
    }
    expect(sandboxes).toHaveLength(model.pods().length);
  });

  test('/proc/<pid>/net/tcp and tcp6: exactly the established sockets, plus the pod listener', () => {
    const pod = podOf(model, 'shop/checkout-5d8f7');
    const table = parseSocketTable(
      run(model, [
        'cat',
        `/proc/${pod.containers[0]?.pid}/net/tcp`,
        `/proc/${pod.containers[0]?.pid}/net/tcp6`,
      ]),
    );
    expect(table.format).toBe('proc-net-tcp');
    expect(table.skippedLines).toBe(0);
    expect(table.sockets.filter((s) => s.state === 'ESTABLISHED')).toHaveLength(322);
    expect(table.sockets.filter((s) => s.state === 'LISTEN')).toEqual([
      expect.objectContaining({ localAddress: '0.0.0.0', localPort: 8080 }),
    ]);
    expect(new Set(table.sockets.map((s) => s.inode)).size).toBe(table.sockets.length);
  });

  test('the host netns holds the daemons and hostNetwork pods, each by its host PID', () => {
    const table = parseSocketTable(run(model, ['nsenter', '-t', '1', '-n', 'ss', '-tnp']));
    expect(table.format).toBe('ss');
    const kubeProxy = podOf(model, 'kube-system/kube-proxy-x7k2p').containers[0]?.pid;
    expect(
      table.sockets
        .map((s) => `${s.program} ${s.pid === kubeProxy ? 'pod' : 'node'} ${s.remoteAddress}:${s.remotePort}`)
        .sort(),
    ).toEqual([
      'kube-proxy pod 20.62.213.175:443',
      'kube-proxy pod 20.62.213.175:443',
      'kubelet node 20.62.213.175:443',
      'python3 node 168.63.129.16:32526',
    ]);
    expect(table.sockets.every((s) => s.localAddress === '10.224.0.4')).toBe(true);
  });

  test('netstat -ptn through nsenter reads the same netns, with host PIDs', () => {
    const pod = podOf(model, 'shop/cart-7c9d4');
    const pid = pod.containers[0]?.pid as number;
    const table = parseSocketTable(run(model, ['nsenter', '-t', String(pid), '-n', 'netstat', '-ptn']));
    expect(table.format).toBe('netstat');
    expect(table.sockets).toHaveLength(206);
    expect(new Set(table.sockets.map((s) => `${s.pid}/${s.program}`))).toEqual(new Set([`${pid}/node`]));
  });

  test('IPv6 traffic is in tcp6, and in the trace of both families (-tv)', () => {
    const ipv6 = new NodeModel(scenario('ipv6-culprit.json'), ALERTING_NODE);
    const pod = podOf(ipv6, 'data/ingest-6f5b4');
    const pid = pod.containers[0]?.pid;
    const tcp6 = run(ipv6, ['cat', `/proc/${pid}/net/tcp6`]);
    const sockets = parseSocketTable(tcp6).sockets.filter((s) => s.state === 'ESTABLISHED');
    expect(sockets).toHaveLength(210);
    expect(sockets.every((s) => s.localAddress === 'fd00:10:244:1::7')).toBe(true);
    expect(parseSocketTable(run(ipv6, ['cat', `/proc/${pid}/net/tcp`])).sockets).toEqual([]);
    const traced = aggregateTrace(traceText(ipv6, 2), classifier).sources.find(
      (s) => s.saddr === 'fd00:10:244:1::7',
    );
    // 30/s to the public [2603:1030:403:3::2a]:443 and 4/s to the private [fd00:10::5]:5432, for 2 s.
    expect([traced?.connects, traced?.publicConnects]).toEqual([68, 60]);
  });
});

describe('exec into an application container: what it answers and refuses', () => {
  const model = new NodeModel(DEFAULT_SCENARIO, ALERTING_NODE);

  test('a distroless container has no netstat: 126 and the runtime message', () => {
    expect(model.execInPod('shop', 'payments-6b9f2', 'payments', ['netstat', '-ptn'])).toEqual({
      stdout: '',
      stderr:
        'OCI runtime exec failed: exec failed: unable to start container process: exec: "netstat": executable file not found in $PATH: unknown\n',
      exitCode: 126,
    });
  });

  test('inside a container only its own process shows, as PID 1; the sidecar sockets have no owner', () => {
    const netstat = parseSocketTable(
      model.execInPod('shop', 'frontend-8c7d5', 'web', ['netstat', '-ptn']).stdout,
    );
    expect(netstat.sockets.filter((s) => s.pid === 1 && s.program === 'nginx')).toHaveLength(30);
    expect(netstat.sockets.filter((s) => s.pid === null && s.remoteAddress === '13.107.42.14')).toHaveLength(
      20,
    );
    const proc = parseSocketTable(
      model.execInPod('shop', 'frontend-8c7d5', 'envoy', ['cat', '/proc/net/tcp', '/proc/net/tcp6']).stdout,
    );
    expect(proc.sockets.filter((s) => s.state === 'ESTABLISHED')).toHaveLength(50);
    expect(model.execInPod('shop', 'frontend-8c7d5', 'envoy', ['ss', '-tnp']).exitCode).toBe(126);
  });

  test('ss in a container answers ss -tnp, with and without the State column', () => {
    const withState = model.execInPod('shop', 'cart-7c9d4', 'cart', ['ss', '-tnp']);
    const established = model.execInPod('shop', 'cart-7c9d4', 'cart', ['ss', '-tnp', 'state', 'established']);
    expect(withState.stdout.split('\n')[0]).toMatch(
      /^State Recv-Q Send-Q +Local Address:Port +Peer Address:Port ?Process +$/,
    );
    expect(established.stdout.split('\n')[0]).toMatch(
      /^Recv-Q Send-Q +Local Address:Port +Peer Address:Port ?Process +$/,
    );
    expect(withState.stdout.split('\n')[1]).toMatch(
      /^ESTAB 0 {6}0 {6} +10\.244\.1\.9:\d{5} +[\d.]+:\d+ +users:\(\("node",pid=1,fd=\d+\)\) *$/,
    );
  });

  test('a pod or container that is not there', () => {
    expect(model.execInPod('shop', 'nope', 'app', ['ss', '-tnp'])).toEqual({
      stdout: '',
      stderr: 'Error from server (NotFound): pods "nope" not found\n',
      exitCode: 1,
    });
    expect(model.execInPod('shop', 'cart-7c9d4', 'nope', ['ss', '-tnp'])).toEqual({
      stdout: '',
      stderr: 'error: unable to upgrade connection: container not found ("nope")\n',
      exitCode: 1,
    });
  });

  test('a node the scenario does not have', () => {
    expect(() => new NodeModel(DEFAULT_SCENARIO, 'aks-nodepool1-12345678-vmss00000z')).toThrow(
      "no node 'aks-nodepool1-12345678-vmss00000z' in the scenario",
    );
  });

  test('an extra node: no pods, only the node and its daemons', () => {
    const extra = new NodeModel({ ...DEFAULT_SCENARIO, extraNodes: 2 }, 'aks-nodepool1-12345678-vmss000004');
    expect(extra.node).toEqual({ name: 'aks-nodepool1-12345678-vmss000004', ip: '10.224.0.8' });
    expect(extra.pods()).toEqual([]);
    expect(parseLsns(run(extra, [...HOST, 'lsns', '-t', 'net', '-J'])).map((r) => r.ns)).toEqual([
      HOST_NETNS,
    ]);
    const trace = aggregateTrace(traceText(extra, 10), classifier);
    expect(trace.sources.map((s) => [s.saddr, s.processes.map((p) => p.comm)])).toEqual([
      ['10.224.0.8', ['python3']],
    ]);
  });
});

describe('determinism', () => {
  const ALL_COMMANDS = (model: NodeModel): string[][] => [
    [...HOST, 'lsns', '-t', 'net', '-J'],
    [...HOST, 'pstree', '-aspl', '1'],
    [...HOST, 'crictl', 'pods', '-o', 'json'],
    [...HOST, 'crictl', 'ps', '-a', '-o', 'json'],
    ...model.pods().flatMap((pod) => [
      ['cat', `/proc/${pod.containers[0]?.pid}/net/tcp`, `/proc/${pod.containers[0]?.pid}/net/tcp6`],
      ['nsenter', '-t', String(pod.containers[0]?.pid), '-n', 'ss', '-tnp'],
    ]),
  ];
  const outputs = (model: NodeModel): (ExecResult | string)[] => [
    ...ALL_COMMANDS(model).map((argv) => answer(model, argv)),
    traceText(model, 2),
    JSON.stringify(model.pods()),
  ];

  test('the same seed gives byte-identical outputs', () => {
    expect(outputs(new NodeModel(DEFAULT_SCENARIO, ALERTING_NODE))).toEqual(
      outputs(new NodeModel(DEFAULT_SCENARIO, ALERTING_NODE)),
    );
  });

  test('another seed gives other ports, PIDs and IDs', () => {
    const ports = (seed: number) => {
      const model = new NodeModel({ ...DEFAULT_SCENARIO, seed }, ALERTING_NODE);
      const pid = podOf(model, 'shop/checkout-5d8f7').containers[0]?.pid;
      const table = parseSocketTable(run(model, ['cat', `/proc/${pid}/net/tcp`]));
      return {
        ports: new Set(table.sockets.map((s) => s.localPort)),
        pid,
        pod: podOf(model, 'shop/checkout-5d8f7'),
      };
    };
    const a = ports(42);
    const b = ports(43);
    const shared = [...a.ports].filter((port) => b.ports.has(port)).length;
    expect(shared).toBeLessThan(20);
    expect(b.pid).not.toBe(a.pid);
    expect(b.pod.sandboxId).not.toBe(a.pod.sandboxId);
  });

  test('ports are unique per (netns, local address), across the table and the trace connects', () => {
    const model = new NodeModel(DEFAULT_SCENARIO, ALERTING_NODE);
    const pid = podOf(model, 'shop/checkout-5d8f7').containers[0]?.pid;
    const table = parseSocketTable(run(model, ['cat', `/proc/${pid}/net/tcp`]));
    const tablePorts = table.sockets.filter((s) => s.state === 'ESTABLISHED').map((s) => s.localPort);
    const tracePorts = model
      .traceLines(10)
      .map((line) => parseTraceLine(line.text))
      .flatMap((l) =>
        l.kind === 'event' && l.event.type === 'connect' && l.event.saddr === '10.244.1.7'
          ? [l.event.sport]
          : [],
      );
    const all = [...tablePorts, ...tracePorts];
    expect(tracePorts).toHaveLength(440);
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((port) => port >= 32768 && port <= 60999)).toBe(true);
  });
});

describe('what the node model found in the core', () => {
  // ss sizes each column to its widest cell, so when every peer port has four digits or fewer the header
  // reads `Peer Address:PortProcess`: the core's header patterns once refused that.
  test('core parseSocketTable reads ss -tnp whose peer ports are all short', () => {
    const model = new NodeModel(DEFAULT_SCENARIO, ALERTING_NODE);
    const text = model.execInPod('shop', 'checkout-5d8f7', 'checkout', ['ss', '-tnp']).stdout;
    expect(text.split('\n')[0]).toContain('Peer Address:PortProcess');
    expect(parseSocketTable(text).sockets).toHaveLength(322);
  });
});
