import { aggregateTrace } from '../../src/core/aggregate-trace';
import { buildFinding, failedFinding, podsFromSocketTables } from '../../src/core/build-finding';
import { IpClassifier } from '../../src/core/classify-ip';
import {
  attributeTrace,
  NO_NODE_EVIDENCE,
  resolveNodeEvidence,
  type NodePod,
} from '../../src/core/correlate';
import { parseLsns } from '../../src/core/parse-lsns';
import type { SocketEntry, SocketTable } from '../../src/core/parse-sockets';
import {
  countEstablished,
  countPodSockets,
  KEPT_DESTINATIONS,
  type SocketReading,
} from '../../src/core/rank-pods';
import { sample } from '../helpers/samples';

const classifier = new IpClassifier();
const NODE = { name: 'aks-nodepool1-12345678-vmss000000', ip: '10.224.0.4' };
const HOST_NETNS = 4026531992;

// Sandbox IDs as containerd prints them: 64 hex characters.
const SANDBOX = {
  checkout: 'a1'.repeat(32),
  cart: 'b2'.repeat(32),
  exporter: 'c3'.repeat(32),
  agent: 'd4'.repeat(32),
  ingest: 'e5'.repeat(32),
};

/** What the debug pod learnt on the node: lsns, pstree per PID, crictl pods. */
const evidence = resolveNodeEvidence({
  namespaces: [
    { ns: HOST_NETNS, pid: 1, nprocs: 120, user: 'root', netnsid: null, nsfs: null, command: '/sbin/init' },
    {
      ns: 4026532785,
      pid: 5100,
      nprocs: 3,
      user: '65535',
      netnsid: 0,
      nsfs: '/run/netns/cni-1',
      command: '/pause',
    },
    {
      ns: 4026532901,
      pid: 5200,
      nprocs: 2,
      user: '65535',
      netnsid: 1,
      nsfs: '/run/netns/cni-2',
      command: '/pause',
    },
    {
      ns: 4026533200,
      pid: 5300,
      nprocs: 2,
      user: '65535',
      netnsid: 2,
      nsfs: '/run/netns/cni-3',
      command: '/pause',
    },
  ],
  pidSandboxes: new Map<number, string | null>([
    [1, null],
    [5100, SANDBOX.checkout],
    [5200, SANDBOX.cart],
    [5300, SANDBOX.ingest],
    [4200, SANDBOX.exporter],
    [4300, SANDBOX.agent],
    [812, null], // kubelet, under systemd
  ]),
  sandboxes: [
    { id: SANDBOX.checkout, name: 'checkout-5d8f7', namespace: 'shop', uid: null, state: 'Ready' },
    { id: SANDBOX.cart, name: 'cart-7c9d4', namespace: 'shop', uid: null, state: 'Ready' },
    { id: SANDBOX.exporter, name: 'node-exporter-x2x9k', namespace: 'monitoring', uid: null, state: 'Ready' },
    { id: SANDBOX.agent, name: 'log-agent-q8w7e', namespace: 'monitoring', uid: null, state: 'Ready' },
    { id: SANDBOX.ingest, name: 'ingest-6f5b4', namespace: 'data', uid: null, state: 'Ready' },
  ],
});

const pods: NodePod[] = [
  { namespace: 'shop', name: 'checkout-5d8f7', ips: ['10.244.1.7'], hostNetwork: false },
  { namespace: 'shop', name: 'cart-7c9d4', ips: ['10.244.1.9'], hostNetwork: false },
  { namespace: 'monitoring', name: 'node-exporter-x2x9k', ips: [], hostNetwork: true },
  { namespace: 'monitoring', name: 'log-agent-q8w7e', ips: [], hostNetwork: true },
  { namespace: 'data', name: 'ingest-6f5b4', ips: ['fd00:1::7'], hostNetwork: false },
];

function traceLine(
  pid: number,
  comm: string,
  saddr: string,
  daddr: string,
  dport: number,
  netns: number,
  type = 'connect',
): string {
  const v6 = saddr.includes(':');
  const s = v6 ? `[${saddr}]` : saddr;
  const d = v6 ? `[${daddr}]` : daddr;
  return `1000000       ${type.padEnd(12)} ${String(pid).padEnd(6)} ${comm.padEnd(16)} ${v6 ? 6 : 4}  ${s.padEnd(16)} ${d.padEnd(16)} 40000  ${String(dport).padEnd(6)} ${netns}`;
}

function repeat<T>(n: number, item: T): T[] {
  return Array.from({ length: n }, () => item);
}

const trace = aggregateTrace(
  [
    ...repeat(40, traceLine(5101, 'java', '10.244.1.7', '20.50.2.10', 443, 4026532785)),
    ...repeat(10, traceLine(5101, 'java', '10.244.1.7', '10.0.0.5', 5432, 4026532785)),
    ...repeat(60, traceLine(5201, 'node worker 1', '10.244.1.9', '10.0.0.5', 6379, 4026532901)),
    ...repeat(30, traceLine(5201, 'node worker 1', '10.244.1.9', '168.63.129.16', 80, 4026532901)),
    ...repeat(8, traceLine(4200, 'node_exporter', NODE.ip, '13.107.42.14', 443, HOST_NETNS)),
    ...repeat(25, traceLine(812, 'kubelet', NODE.ip, '52.239.148.100', 443, HOST_NETNS)),
    ...repeat(5, traceLine(5301, 'python3', 'fd00:1::7', '2603:1030:403:3::2a', 1433, 4026533200)),
    '1999999999    close        5101   java             4  10.244.1.7       20.50.2.10       40000  443    4026532785',
  ].join('\n') + '\n',
  classifier,
);

function socket(
  remote: string,
  remotePort: number,
  pid: number | null,
  local = '10.244.1.7',
  state: SocketEntry['state'] = 'ESTABLISHED',
): SocketEntry {
  return {
    localAddress: local,
    localPort: 40000,
    remoteAddress: remote,
    remotePort,
    state,
    pid,
    program: null,
  };
}

function table(sockets: SocketEntry[]): SocketReading {
  const parsed: SocketTable = { format: 'ss', sockets, skippedLines: 0 };
  return { kind: 'read', table: parsed };
}

/** The host netns, as `ss -tnp` in any hostNetwork pod shows it: every process's sockets, with PIDs. */
const hostTable = [
  ...repeat(20, socket('52.239.148.100', 443, 812, NODE.ip)), // kubelet: nobody's pod
  ...repeat(12, socket('13.107.42.14', 443, 4200, NODE.ip)), // node-exporter
  ...repeat(3, socket('10.0.0.5', 443, 4200, NODE.ip)),
  ...repeat(5, socket('20.60.1.1', 443, 4300, NODE.ip)), // log-agent
  socket('13.107.42.14', 443, 4200, NODE.ip, 'TIME_WAIT'),
];

const sockets = new Map<string, SocketReading>([
  [
    'shop/checkout-5d8f7',
    table([
      ...repeat(300, socket('20.50.2.10', 443, 7)),
      ...repeat(20, socket('10.0.0.5', 5432, 7)),
      ...repeat(4, socket('20.50.2.10', 443, 7, '10.244.1.7', 'TIME_WAIT')),
    ]),
  ],
  [
    'shop/cart-7c9d4',
    table([
      ...repeat(400, socket('10.0.0.5', 6379, 1, '10.244.1.9')),
      ...repeat(100, socket('168.63.129.16', 80, 1, '10.244.1.9')),
    ]),
  ],
  ['monitoring/node-exporter-x2x9k', table(hostTable)],
  ['monitoring/log-agent-q8w7e', table(hostTable)],
  ['data/ingest-6f5b4', { kind: 'failed', reason: 'exec refused: container has no shell' }],
]);

const finding = buildFinding({
  cluster: {
    id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod',
    name: 'prod',
  },
  node: NODE,
  trace,
  pods,
  sockets,
  evidence,
  snat: null,
  classifier,
});

describe('resolveNodeEvidence joins lsns -> pstree -> crictl', () => {
  it('maps each pod netns to its pod, and never the host netns', () => {
    expect(evidence.hostNetns).toBe(HOST_NETNS);
    expect(
      Object.fromEntries([...evidence.netnsPods].map(([ns, pod]) => [ns, `${pod.namespace}/${pod.name}`])),
    ).toEqual({
      4026532785: 'shop/checkout-5d8f7',
      4026532901: 'shop/cart-7c9d4',
      4026533200: 'data/ingest-6f5b4',
    });
  });

  it('maps processes under a pod shim to the pod, and host processes to nothing', () => {
    expect(evidence.pidPods.get(4200)).toEqual({ namespace: 'monitoring', name: 'node-exporter-x2x9k' });
    expect(evidence.pidPods.has(812)).toBe(false);
    expect(evidence.pidPods.has(1)).toBe(false);
  });

  it('finds the host netns by its lowest PID, as in the shared lsns sample (kthreadd, PID 2)', () => {
    const namespaces = parseLsns(sample('lsns-t-net.txt'));
    const fromSample = resolveNodeEvidence({ namespaces, pidSandboxes: new Map(), sandboxes: [] });
    expect(fromSample.hostNetns).toBe(4026531833);
  });
});

describe('attributeTrace', () => {
  const attribution = attributeTrace(trace, pods, evidence, [NODE.ip]);

  it('charges host-netns connects by PID: the hostNetwork pod gets its own, kubelet stays with the node', () => {
    expect(
      attribution.podTraffic.get('monitoring/node-exporter-x2x9k')?.processes.map((p) => [p.pid, p.connects]),
    ).toEqual([[4200, 8]]);
    expect(attribution.podTraffic.has('monitoring/log-agent-q8w7e')).toBe(false);
    expect(attribution.nodeProcesses.map((p) => [p.pid, p.comm, p.publicConnects])).toEqual([
      [812, 'kubelet', 25],
    ]);
    expect(attribution.sourcePods.get(`${NODE.ip} ${HOST_NETNS}`)).toBeNull();
  });

  it('falls back to the pod IP when there is no netns evidence', () => {
    const byIp = attributeTrace(trace, pods, NO_NODE_EVIDENCE, [NODE.ip]);
    expect(byIp.sourcePods.get('10.244.1.7 4026532785')).toEqual(pods[0]);
    expect(byIp.sourcePods.get('fd00:1::7 4026533200')).toEqual(pods[4]);
    expect(byIp.sourcePods.get(`${NODE.ip} ${HOST_NETNS}`)).toBeNull();
  });
});

describe('buildFinding', () => {
  it('ranks by public ESTABLISHED, then traced public connects', () => {
    expect(
      finding.pods.map((p) => [
        p.rank,
        `${p.namespace}/${p.name}`,
        p.publicEstablished,
        p.established,
        p.tracedPublicConnects,
        p.tracedConnects,
      ]),
    ).toEqual([
      [1, 'shop/checkout-5d8f7', 300, 320, 40, 50],
      [2, 'monitoring/node-exporter-x2x9k', 12, 15, 8, 8],
      [3, 'monitoring/log-agent-q8w7e', 5, 5, 0, 0],
      [4, 'data/ingest-6f5b4', null, null, 5, 5],
      [5, 'shop/cart-7c9d4', 0, 500, 0, 90],
    ]);
    expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
  });

  it('is partial when a socket table could not be read, and says why on the pod', () => {
    expect(finding.status).toBe('partial');
    expect(finding.pods[3]?.evidence).toContain(
      'socket table not read: exec refused: container has no shell',
    );
  });

  it('gives each pod its destinations from the socket table and the trace side by side', () => {
    expect(finding.pods[0]?.topDestinations).toEqual([
      { daddr: '20.50.2.10', dport: 443, connects: 40, established: 300, public: true },
      { daddr: '10.0.0.5', dport: 5432, connects: 10, established: 20, public: false },
    ]);
  });

  it('writes evidence a person can check', () => {
    expect(finding.pods[0]?.evidence).toEqual([
      '300 of 320 ESTABLISHED connections go to public IPs',
      '50 connects traced in 2 s (25/s), 40 to public IPs',
      'top public destination 20.50.2.10:443 (300 ESTABLISHED, 40 connects)',
    ]);
    expect(finding.pods[1]?.evidence[1]).toBe(
      'hostNetwork: counted only sockets of its own processes (25 other ESTABLISHED sockets in the host netns left out)',
    );
  });

  it('names node processes outside any pod that use public IPs', () => {
    expect(finding.warnings).toEqual([
      '25 public connects came from node processes outside any pod: kubelet (pid 812): 25',
    ]);
  });

  it('attributes each trace source, and counts connects only', () => {
    expect(
      finding.trace?.sources.map((s) => [
        s.saddr,
        s.netns,
        s.connects,
        s.closes,
        s.pod && `${s.pod.namespace}/${s.pod.name}`,
      ]),
    ).toEqual([
      ['10.244.1.9', 4026532901, 90, 0, 'shop/cart-7c9d4'],
      ['10.244.1.7', 4026532785, 50, 1, 'shop/checkout-5d8f7'],
      [NODE.ip, HOST_NETNS, 33, 0, null],
      ['fd00:1::7', 4026533200, 5, 0, 'data/ingest-6f5b4'],
    ]);
  });

  it('recommends pooling for the culprit and Private Link for a PaaS port', () => {
    expect(finding.recommendations.map((r) => r.id)).toEqual(['connection-pooling', 'private-link']);
    expect(finding.recommendations[0]?.text).toContain(
      'shop/checkout-5d8f7: 100% of its public connections go to 20.50.2.10:443',
    );
    expect(finding.recommendations[1]?.text).toContain('[2603:1030:403:3::2a]:1433 (Azure SQL?)');
  });

  it('names no culprit when nobody uses SNAT', () => {
    const quiet = buildFinding({
      cluster: null,
      node: NODE,
      trace: null,
      pods: [pods[1] as NodePod],
      sockets: new Map([['shop/cart-7c9d4', sockets.get('shop/cart-7c9d4') as SocketReading]]),
      evidence,
      snat: null,
      classifier,
    });
    expect(quiet.culprit).toBeNull();
    expect(quiet.recommendations).toEqual([]);
  });
});

describe('failedFinding', () => {
  it('says why, with the node IP', () => {
    expect(
      failedFinding({
        cluster: null,
        node: { name: '', ip: '10.224.0.99' },
        reason: 'no node has InternalIP 10.224.0.99',
      }),
    ).toEqual({
      schemaVersion: 1,
      status: 'failed',
      cluster: null,
      node: { name: '', ip: '10.224.0.99' },
      trace: null,
      pods: [],
      culprit: null,
      snat: null,
      recommendations: [],
      warnings: ['no node has InternalIP 10.224.0.99'],
      archive: null,
    });
  });
});

describe('podsFromSocketTables (analyze, no API server)', () => {
  it('takes a pod address from its own sockets, leaving out loopback, wildcards and listeners', () => {
    const tableOf = (entries: SocketEntry[]): SocketTable => ({
      format: 'netstat',
      sockets: entries,
      skippedLines: 0,
    });
    expect(
      podsFromSocketTables([
        {
          pod: { namespace: 'shop', name: 'checkout' },
          table: tableOf([
            socket('20.50.2.10', 443, null, '::ffff:10.244.1.7'),
            socket('127.0.0.1', 8080, null, '127.0.0.1'),
            socket('0.0.0.0', 0, null, '0.0.0.0', 'LISTEN'),
            socket('0.0.0.0', 0, null, '10.244.1.8', 'LISTEN'),
          ]),
        },
      ]),
    ).toEqual([
      { namespace: 'shop', name: 'checkout', ips: ['::ffff:10.244.1.7', '10.244.1.7'], hostNetwork: false },
    ]);
  });
});

describe('socket tables counted where they are read (the investigation passes counts on)', () => {
  it('ranks exactly as from the whole tables, hostNetwork ownership included', () => {
    const counted = new Map<string, SocketReading>(
      [...sockets].map(([key, reading]) => {
        const pod = pods.find((p) => `${p.namespace}/${p.name}` === key);
        if (reading.kind !== 'read' || pod === undefined) return [key, reading];
        return [
          key,
          { kind: 'counted', counts: countPodSockets(pod, reading.table, evidence.pidPods, classifier) },
        ];
      }),
    );
    const again = buildFinding({
      cluster: finding.cluster,
      node: NODE,
      trace,
      pods,
      sockets: counted,
      evidence,
      snat: null,
      classifier,
    });
    expect(again).toEqual(finding);
  });

  it('keeps the top destinations and whatever ties with the last of them, within a bound', () => {
    const many = [
      ...repeat(9, socket('20.50.2.10', 443, 7)),
      ...Array.from({ length: 100 }, (_, i) => socket(`20.50.3.${i}`, 443, 7)),
      ...repeat(50, socket('10.0.0.5', 5432, 7)),
    ];
    const counts = countEstablished(many, classifier);
    expect([counts.established, counts.publicEstablished]).toEqual([159, 109]);
    expect(counts.destinations).toHaveLength(KEPT_DESTINATIONS);
    expect(counts.destinations.slice(0, 3)).toEqual([
      { daddr: '20.50.2.10', dport: 443, public: true, established: 9 },
      { daddr: '20.50.3.0', dport: 443, public: true, established: 1 },
      { daddr: '20.50.3.1', dport: 443, public: true, established: 1 },
    ]);
    const few = countEstablished(
      [...repeat(3, socket('20.50.2.10', 443, 7)), ...repeat(2, socket('10.0.0.5', 5432, 7))],
      classifier,
    );
    expect(few.destinations).toEqual([
      { daddr: '20.50.2.10', dport: 443, public: true, established: 3 },
      { daddr: '10.0.0.5', dport: 5432, public: false, established: 2 },
    ]);
  });
});
