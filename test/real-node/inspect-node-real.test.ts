/**
 * The investigation's node side against the real kernel (CONVENTIONS.md rule 11): this machine is made
 * into a node with pods in network namespaces of their own, a hostNetwork pod, containerd-shim-looking
 * parents and connections held open to public and private addresses, then the real `inspectNode`
 * activity runs the responder's exact command lines (node-commands.ts) against it through a KubePort
 * that execs them here: `chroot /host <tool>` with this machine's util-linux, psmisc and iproute2, the
 * debug pod's own commands with busybox on a PATH of the debug image's applets only. The one stand-in
 * is `crictl pods -o json` (no containerd here; see LocalNodeKube). Every figure is checked against
 * what the test opened, and every netns against its real inode.
 */
import { join } from 'node:path';
import { runActivity, type ActivityOutput } from '../../src/activities/registry';
import { classifierFor } from '../../src/core/classify-ip';
import { podKey } from '../../src/core/correlate';
import { parseLsns } from '../../src/core/parse-lsns';
import { findShimSandboxId, parsePstree } from '../../src/core/parse-pstree';
import { parseSocketTable } from '../../src/core/parse-sockets';
import { countEstablished, type SocketReading } from '../../src/core/rank-pods';
import { inPodSocketCommands } from '../../src/workflow/node-commands';
import type { ClusterInfo, StepPorts } from '../../src/workflow/ports';
import { MemoryArchives } from '../helpers/memory-archive';
import { Cleanup } from '../helpers/real-node/cleanup';
import type { LocalNodeKube } from '../helpers/real-node/local-node-kube';
import { requireRealNode } from '../helpers/real-node/preflight';
import { netnsInode, RealNode, type Connection, type RealPod } from '../helpers/real-node/real-node';
import { establishedByFamily, expectedFamilies } from '../helpers/real-node/socket-families';

const DEBUG_NAMESPACE = 'aks-snat-responder';
const FOLDER = 'aks-real/aks-nodepool1-00000000-vmss000000/20260101T000000Z-real-node-1';
const CLUSTER: ClusterInfo = {
  id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-real/providers/Microsoft.ContainerService/managedClusters/aks-real',
  name: 'aks-real',
  resourceGroup: 'rg-real',
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  nodeResourceGroup: 'MC_rg-real_aks-real_westeurope',
  aadEnabled: false,
  outbound: { type: 'loadBalancer', outboundIps: 1, allocatedOutboundPorts: 0, idleTimeoutMinutes: 30 },
  nodeCount: 1,
};

/** Assigned inside the world netns only. The IPv6 one is long on purpose: net-tools cuts it without -W. */
const PUBLIC_V4 = '20.50.2.10';
const PUBLIC_V6 = '2603:1030:20e:3::23c';
const PRIVATE_V4 = '10.0.0.5';

const to = (family: 4 | 6, host: string, port: number, count: number): Connection => ({
  family,
  host,
  port,
  count,
});
/** IPv4 / IPv6 / IPv4-mapped through AF_INET6 sockets / private, per pod. */
const traffic = (v4: number, v6: number, mapped: number, priv: number): Connection[] => [
  to(4, PUBLIC_V4, 443, v4),
  to(6, PUBLIC_V6, 443, v6),
  to(6, `::ffff:${PUBLIC_V4}`, 443, mapped),
  to(4, PRIVATE_V4, 5432, priv),
];

const CHECKOUT = {
  namespace: 'shop',
  name: 'checkout-5d8f7b9c4-x2x7q',
  addresses: { ipv4: '10.244.1.7', ipv6: 'fd00:10:244:1::7' },
  connections: traffic(7, 3, 4, 2),
};
const CART = {
  namespace: 'shop',
  name: 'cart-7c9d4f6b8-m4kzp',
  addresses: { ipv4: '10.244.2.9', ipv6: 'fd00:10:244:2::9' },
  connections: traffic(2, 5, 0, 1),
};

type Inspection = ActivityOutput<'inspectNode'>;

describe('inspectNode on this machine: real namespaces, processes, sockets and node tools', () => {
  const cleanup = new Cleanup();
  const archives = new MemoryArchives();
  let node: RealNode;
  let kube: LocalNodeKube;
  let ports: StepPorts;
  let checkout: RealPod;
  let cart: RealPod;
  let agent: RealPod;
  let hostPorts: { v4: number; v6: number };
  let inspection: Inspection;

  const inspect = async (hostSide: boolean, folder: string) =>
    (await runActivity(
      'inspectNode',
      {
        cluster: CLUSTER,
        investigationId: 'real-node-1',
        pods: [checkout, cart, agent].map((pod) => pod.nodePod),
        archiveFolder: folder,
        privateCidrs: [],
        hostSide,
      },
      ports,
    )) as Inspection;

  beforeAll(async () => {
    requireRealNode();
    node = RealNode.create(cleanup);
    await node.world(
      [PUBLIC_V4, PUBLIC_V6, PRIVATE_V4],
      [
        [4, PUBLIC_V4, 443],
        [6, PUBLIC_V6, 443],
        [4, PRIVATE_V4, 5432],
      ],
    );
    checkout = await node.pod(CHECKOUT);
    cart = await node.pod(CART);
    // A node daemon listening on the machine's loopback, and a hostNetwork pod connected to it: the
    // pod's sockets and the daemon's far ends are all in the one host table, told apart by PID only.
    const [v4, v6] = await node.hostListener([
      [4, '127.0.0.1', 0],
      [6, '::1', 0],
    ]);
    hostPorts = { v4: v4 as number, v6: v6 as number };
    agent = await node.pod({
      namespace: 'kube-system',
      name: 'node-agent-8k2lp',
      addresses: null,
      connections: [
        to(4, '127.0.0.1', hostPorts.v4, 4),
        to(6, '::1', hostPorts.v6, 2),
        to(6, '::ffff:127.0.0.1', hostPorts.v4, 3),
      ],
    });
    kube = node.kube(DEBUG_NAMESPACE);
    ports = {
      azure: {
        findCluster: () => Promise.reject(new Error('not used')),
        snatUsage: () => Promise.reject(new Error('not used')),
        kubeconfig: () => Promise.resolve(''),
      },
      kube: () => kube,
      archive: (folder) => archives.folder(folder),
      debugNamespace: DEBUG_NAMESPACE,
      debugImage: 'mcr.microsoft.com/cbl-mariner/busybox:2.0',
      spoolRoot: join(node.dir, 'spool'),
    };
    inspection = await inspect(true, FOLDER);
  }, 30_000);

  afterAll(() => cleanup.run(), 30_000);

  const archived = (path: string, folder = FOLDER): string => {
    const text = archives.files.get(`${folder}/${path}`);
    if (text === undefined) throw new Error(`${path} was not archived`);
    return text;
  };
  const counted = (reading: SocketReading | undefined) => {
    if (reading?.kind !== 'counted') throw new Error(`not counted: ${JSON.stringify(reading)}`);
    return reading.counts;
  };
  const readingOf = (result: Inspection, pod: RealPod) =>
    result.sockets.find((s) => podKey(s.pod) === podKey(pod.spec))?.reading;

  it('runs the correlation and the socket reads without a problem, every command exiting 0', () => {
    expect(inspection.problems).toEqual([]);
    expect(inspection.commands.filter((c) => c.exitCode !== 0)).toEqual([]);
    const argv = inspection.commands.map((c) => c.argv.join(' ')).sort();
    const batch = argv.find((line) => line.startsWith('cat '));
    expect(argv).toEqual(
      [
        'chroot /host lsns -t net -J',
        'chroot /host pstree -aspl 1',
        'chroot /host crictl pods -o json',
        'chroot /host ss -tnp',
        batch,
      ].sort(),
    );
    // One batched read of both pods' /proc tables, through a PID of each pod's own netns.
    const pids = [...(batch ?? '').matchAll(/\/proc\/(\d+)\/net\/tcp6?/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(4);
    expect([checkout.pausePid, checkout.appPid]).toContain(pids[0]);
    expect(pids[1]).toBe(pids[0]);
    expect([cart.pausePid, cart.appPid]).toContain(pids[2]);
    expect(pids[3]).toBe(pids[2]);
  });

  it('counts each pod exactly what it holds open: ESTABLISHED and ESTABLISHED to public IPs', () => {
    const figures = Object.fromEntries(
      inspection.sockets.map(({ pod, reading }) => {
        const counts = counted(reading);
        return [podKey(pod), [counts.established, counts.publicEstablished]];
      }),
    );
    // opened: checkout 7 + 3 + 4 public, 2 private; cart 2 + 5 + 0 public, 1 private; node-agent 9 loopback.
    expect(figures).toEqual({
      'shop/checkout-5d8f7b9c4-x2x7q': [16, 14],
      'shop/cart-7c9d4f6b8-m4kzp': [8, 7],
      'kube-system/node-agent-8k2lp': [9, 0],
    });
  });

  it('reads an IPv4-mapped peer as its IPv4 address: one destination with the AF_INET sockets to it', () => {
    expect(counted(readingOf(inspection, checkout)).destinations).toEqual([
      { daddr: PUBLIC_V4, dport: 443, public: true, established: 11 },
      { daddr: PUBLIC_V6, dport: 443, public: true, established: 3 },
      { daddr: PRIVATE_V4, dport: 5432, public: false, established: 2 },
    ]);
    expect(counted(readingOf(inspection, cart)).destinations).toEqual([
      { daddr: PUBLIC_V6, dport: 443, public: true, established: 5 },
      { daddr: PUBLIC_V4, dport: 443, public: true, established: 2 },
      { daddr: PRIVATE_V4, dport: 5432, public: false, established: 1 },
    ]);
    expect(counted(readingOf(inspection, agent)).destinations).toEqual([
      { daddr: '127.0.0.1', dport: hostPorts.v4, public: false, established: 7 },
      { daddr: '::1', dport: hostPorts.v6, public: false, established: 2 },
    ]);
  });

  it('archives each socket table with every family the pod opened: IPv4, IPv6 and IPv4-mapped', () => {
    const checkoutTable = archived('sockets/shop__checkout-5d8f7b9c4-x2x7q.txt');
    const cartTable = archived('sockets/shop__cart-7c9d4f6b8-m4kzp.txt');
    expect(parseSocketTable(checkoutTable).format).toBe('proc-net-tcp');
    expect(establishedByFamily(checkoutTable)).toEqual({
      ipv4: { [`${PUBLIC_V4} 443`]: 7, [`${PRIVATE_V4} 5432`]: 2 },
      ipv6: { [`${PUBLIC_V6} 443`]: 3 },
      mapped: { [`${PUBLIC_V4} 443`]: 4 },
    });
    expect(establishedByFamily(cartTable)).toEqual({
      ipv4: { [`${PUBLIC_V4} 443`]: 2, [`${PRIVATE_V4} 5432`]: 1 },
      ipv6: { [`${PUBLIC_V6} 443`]: 5 },
      mapped: {},
    });
    expect(establishedByFamily(checkoutTable)).toEqual(expectedFamilies(checkout.spec.connections));
    expect(establishedByFamily(cartTable)).toEqual(expectedFamilies(cart.spec.connections));
  });

  it("counts a hostNetwork pod's own sockets in the node's table by PID, not the daemon's ends of them", () => {
    const host = archived('sockets/host-netns.txt');
    expect(parseSocketTable(host).format).toBe('ss');
    const own = new Set([agent.pausePid, agent.appPid]);
    expect(establishedByFamily(host, own)).toEqual({
      ipv4: { [`127.0.0.1 ${hostPorts.v4}`]: 4 },
      ipv6: { [`::1 ${hostPorts.v6}`]: 2 },
      mapped: { [`127.0.0.1 ${hostPorts.v4}`]: 3 },
    });
    const everyone = parseSocketTable(host).sockets.filter((s) => s.state === 'ESTABLISHED').length;
    const counts = counted(readingOf(inspection, agent));
    expect(counts.notOwned).toBe(everyone - 9);
    // The daemon's accepted ends alone are 9 of those not owned.
    expect(counts.notOwned).toBeGreaterThanOrEqual(9);
  });

  it('maps each pod netns to its real inode and the host netns to this machine, via lsns -> pstree -> crictl', () => {
    const byInode = (a: { netns: number }, b: { netns: number }) => a.netns - b.netns;
    expect([...inspection.evidence.netnsPods].sort(byInode)).toEqual(
      [
        { netns: netnsInode(checkout.appPid), pod: { namespace: 'shop', name: CHECKOUT.name } },
        { netns: netnsInode(cart.appPid), pod: { namespace: 'shop', name: CART.name } },
      ].sort(byInode),
    );
    expect(checkout.netnsInode).not.toBe(cart.netnsInode);
    expect(inspection.evidence.hostNetns).toBe(netnsInode('self'));
    expect(agent.netnsInode).toBe(netnsInode('self'));
    // Only the hostNetwork pod's PIDs travel on: its pause and its app, both under its shim.
    expect([...inspection.evidence.pidPods].sort((a, b) => a.pid - b.pid)).toEqual(
      [agent.pausePid, agent.appPid]
        .sort((a, b) => a - b)
        .map((pid) => ({ pid, pod: { namespace: 'kube-system', name: 'node-agent-8k2lp' } })),
    );
  });

  it("finds each pod's netns in lsns at its lowest PID, and each PID's shim with its -id in pstree", () => {
    const namespaces = parseLsns(archived('correlation/lsns.json'));
    const pstree = archived('correlation/pstree.txt');
    const tree = parsePstree(pstree);
    for (const pod of [checkout, cart]) {
      const ns = namespaces.find((n) => n.ns === pod.netnsInode);
      expect(ns?.pid).toBe(Math.min(pod.pausePid, pod.appPid));
      expect(ns?.nprocs).toBe(2);
    }
    for (const pod of [checkout, cart, agent]) {
      expect(pstree).toContain(
        `containerd-shim,${pod.shimPid} -namespace k8s.io -id ${pod.sandboxId} -address /run/containerd/containerd.sock\n`,
      );
      expect(findShimSandboxId(tree, pod.appPid)).toBe(pod.sandboxId);
      expect(findShimSandboxId(tree, pod.pausePid)).toBe(pod.sandboxId);
      expect(findShimSandboxId(tree, pod.shimPid)).toBeNull();
    }
  });

  it('reads the same table with each kubectl exec fallback, run in the pod netns: cat, ss, netstat -W', async () => {
    const classifier = classifierFor([]);
    const readings: Record<string, unknown> = {};
    for (const command of inPodSocketCommands) {
      const result = await kube.exec('shop', CHECKOUT.name, 'app', command);
      expect(result).toMatchObject({ exitCode: 0 });
      const table = parseSocketTable(result.stdout);
      const counts = countEstablished(table.sockets, classifier);
      readings[command.join(' ')] = {
        format: table.format,
        established: counts.established,
        publicEstablished: counts.publicEstablished,
        families: establishedByFamily(result.stdout),
      };
    }
    const families = expectedFamilies(CHECKOUT.connections);
    expect(readings).toEqual({
      'cat /proc/net/tcp /proc/net/tcp6': {
        format: 'proc-net-tcp',
        established: 16,
        publicEstablished: 14,
        families,
      },
      'ss -tnp': { format: 'ss', established: 16, publicEstablished: 14, families },
      'netstat -ptnW': { format: 'netstat', established: 16, publicEstablished: 14, families },
    });
  });

  it('netstat without -W cuts the long IPv6 peer into a wrong address that still parses: -W is needed', async () => {
    const cut = await kube.exec('shop', CHECKOUT.name, 'app', ['netstat', '-ptn']);
    const wide = await kube.exec('shop', CHECKOUT.name, 'app', ['netstat', '-ptnW']);
    // net-tools netstat.c: without -W (flag_wide) `address:port` is cut to 22 characters.
    expect(cut.stdout).toContain(' 2603:1030:20e:3::23:443 ');
    expect(cut.stdout).not.toContain(PUBLIC_V6);
    expect(wide.stdout).toContain(` ${PUBLIC_V6}:443 `);
    expect(establishedByFamily(cut.stdout).ipv6).toEqual({ '2603:1030:20e:3::23 443': 3 });
    expect(establishedByFamily(wide.stdout).ipv6).toEqual({ [`${PUBLIC_V6} 443`]: 3 });
  });

  it('without the debug pod reads each pod by kubectl exec (cat first) to the same counts', async () => {
    const folder = `${FOLDER}-no-debug-pod`;
    const fallback = await inspect(false, folder);
    expect(counted(readingOf(fallback, checkout))).toEqual(counted(readingOf(inspection, checkout)));
    expect(counted(readingOf(fallback, cart))).toEqual(counted(readingOf(inspection, cart)));
    expect(readingOf(fallback, agent)).toMatchObject({ kind: 'failed' });
    expect(fallback.commands.map((c) => `${c.where}: ${c.argv.join(' ')} -> ${c.exitCode}`).sort()).toEqual([
      `shop/${CART.name}/app (kubectl exec): cat /proc/net/tcp /proc/net/tcp6 -> 0`,
      `shop/${CHECKOUT.name}/app (kubectl exec): cat /proc/net/tcp /proc/net/tcp6 -> 0`,
    ]);
    expect(establishedByFamily(archived(`sockets/shop__${CHECKOUT.name}.txt`, folder))).toEqual(
      expectedFamilies(CHECKOUT.connections),
    );
  });
});
