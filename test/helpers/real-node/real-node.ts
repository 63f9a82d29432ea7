import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodePod } from '../../../src/core/correlate';
import { busyboxPath, type BusyboxPath } from './busybox-applets';
import type { Cleanup } from './cleanup';
import { LocalNodeKube } from './local-node-kube';
import { PYTHON3, which } from './preflight';
import { CONTAINER_PATH, isAlive, RunningProcess, runOk } from './processes';

const PROGRAMS = __dirname;
const FAKE_SHIM = join(PROGRAMS, 'fake-shim.py');
const HOLD_CONNECTIONS = join(PROGRAMS, 'hold-connections.py');
const LISTEN_AND_HOLD = join(PROGRAMS, 'listen-and-hold.py');

/** containerd's socket, as every shim on a node is told it (containerd runtime/v2/shim). */
const CONTAINERD_ADDRESS = '/run/containerd/containerd.sock';

/** `count` connections from one socket family to host:port; family 6 to `::ffff:a.b.c.d` is a dual-stack socket's IPv4. */
export interface Connection {
  readonly family: 4 | 6;
  readonly host: string;
  readonly port: number;
  readonly count: number;
}

export interface PodSpec {
  readonly namespace: string;
  readonly name: string;
  /** The pod's own addresses (/24 and /64, the world at .1 and ::1 of each); null for a hostNetwork pod. */
  readonly addresses: { readonly ipv4: string; readonly ipv6: string } | null;
  readonly connections: readonly Connection[];
}

export interface RealPod {
  readonly spec: PodSpec;
  /** 64 hex digits: the shim's `-id`, and crictl's sandbox ID. */
  readonly sandboxId: string;
  readonly uid: string;
  /** The `ip netns` name of its network namespace; null for a hostNetwork pod (the machine's own). */
  readonly netnsName: string | null;
  /** The inode of its network namespace, read from /proc/<pid>/ns/net. */
  readonly netnsInode: number;
  readonly shimPid: number;
  /** The sandbox's `pause`, started first, as on a node. */
  readonly pausePid: number;
  /** The container's process, the one holding the connections. */
  readonly appPid: number;
  /** The pod as the API server would list it. */
  readonly nodePod: NodePod;
}

/** `[family, address, port]`: port 0 for any free one. */
export type Listen = readonly [4 | 6, string, number];

/** The inode of a process's network namespace (`net:[4026532785]`), as lsns and tcptracer print it. */
export function netnsInode(pid: number | 'self'): number {
  const link = readlinkSync(`/proc/${pid}/ns/net`);
  const match = /^net:\[(\d+)\]$/.exec(link);
  if (match === null) throw new Error(`/proc/${pid}/ns/net is ${link}`);
  return Number(match[1]);
}

function ip(...args: string[]): Promise<string> {
  return runOk(['ip', ...args], { env: { PATH: CONTAINER_PATH } });
}

/**
 * This machine made into an AKS node, for real: a "world" network namespace with listeners on the
 * addresses the pods reach (public and private ones, all assigned inside it: nothing leaves the machine),
 * pods in network namespaces of their own joined to it by veth pairs, each pod's processes under a
 * process that looks to pstree as a containerd shim looks, and hostNetwork pods in the machine's own
 * network namespace. Everything is registered with the Cleanup as soon as it exists.
 */
export class RealNode {
  /** Short and random: every netns this run makes is named with it, so runs never meet. */
  readonly token = randomBytes(3).toString('hex');
  readonly busybox: BusyboxPath;
  readonly pods: RealPod[] = [];
  private worldName: string | null = null;

  private constructor(
    private readonly cleanup: Cleanup,
    /** A temp dir: busybox applets, the shim and pause symlinks, the activity's spool. */
    readonly dir: string,
  ) {
    this.busybox = busyboxPath(join(dir, 'bin'));
    // The kernel names a process after the file it executes (its comm, cut to 15 characters):
    // `containerd-shim` and `pause`, as pstree shows them on a node.
    symlinkSync(PYTHON3, join(dir, 'containerd-shim-runc-v2'));
    const sleep = which('sleep');
    if (sleep === null) throw new Error('no sleep');
    symlinkSync(sleep, join(dir, 'pause'));
  }

  static create(cleanup: Cleanup): RealNode {
    const dir = mkdtempSync(join(tmpdir(), 'snat-real-node-'));
    cleanup.add(`rm -r ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    return new RealNode(cleanup, dir);
  }

  /** The world's netns, with `addresses` on its loopback and a process listening on each of `listen`. */
  async world(addresses: readonly string[], listen: readonly Listen[]): Promise<void> {
    const name = await this.netns('world');
    this.worldName = name;
    await ip('-n', name, 'link', 'set', 'lo', 'up');
    for (const address of addresses) {
      if (address.includes(':')) await ip('-n', name, 'addr', 'add', `${address}/128`, 'dev', 'lo', 'nodad');
      else await ip('-n', name, 'addr', 'add', `${address}/32`, 'dev', 'lo');
    }
    await this.listen(`listener in ${name}`, ['ip', 'netns', 'exec', name], listen);
  }

  /** A node daemon in the machine's own netns, listening (port 0: any free port); resolves to the ports. */
  hostListener(listen: readonly Listen[]): Promise<number[]> {
    return this.listen('listener in the host netns', [], listen);
  }

  private async listen(
    what: string,
    prefix: readonly string[],
    listen: readonly Listen[],
  ): Promise<number[]> {
    const listener = new RunningProcess(what, [...prefix, PYTHON3, LISTEN_AND_HOLD, JSON.stringify(listen)], {
      env: { PATH: CONTAINER_PATH },
    });
    this.cleanup.add(`stop ${what}`, () => listener.stop());
    const { listening } = await listener.json<{ listening: number[] }>('listening');
    return listening;
  }

  /** A pod: its netns joined to the world (unless hostNetwork), its shim, pause and connected app. */
  async pod(spec: PodSpec): Promise<RealPod> {
    let netnsName: string | null = null;
    if (spec.addresses !== null) netnsName = await this.podNetwork(spec.addresses);
    const inNetns = netnsName === null ? [] : ['ip', 'netns', 'exec', netnsName];
    const sandboxId = randomBytes(32).toString('hex');
    const shimArgv = [
      join(this.dir, 'containerd-shim-runc-v2'),
      '-namespace',
      'k8s.io',
      '-id',
      sandboxId,
      '-address',
      CONTAINERD_ADDRESS,
    ];
    const children = [
      [...inNetns, join(this.dir, 'pause'), 'infinity'],
      [
        ...inNetns,
        PYTHON3,
        HOLD_CONNECTIONS,
        JSON.stringify(spec.connections.map((c) => [c.family, c.host, c.port, c.count])),
      ],
    ];
    const shim = new RunningProcess(
      `shim of ${spec.namespace}/${spec.name}`,
      [shimArgv[0] as string, '-c', shimCode(shimArgv)],
      {
        env: {
          PATH: CONTAINER_PATH,
          FAKE_SHIM_PARENT: String(process.pid),
          FAKE_SHIM_SCRIPT: FAKE_SHIM,
          FAKE_SHIM_ARGV: JSON.stringify(shimArgv),
          FAKE_SHIM_CHILDREN: JSON.stringify(children),
        },
      },
    );
    let childPids: number[] = [];
    this.cleanup.add(`stop ${shim.what}`, async () => {
      await shim.stop();
      // The shim kills and reaps its children; any it missed is killed here, by its PID.
      for (const pid of childPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    });
    const started = await shim.json<{ shim: number; children: number[] }>('shim');
    childPids = started.children;
    const [pausePid, appPid] = started.children;
    if (pausePid === undefined || appPid === undefined) throw new Error(`${shim.what}: no children`);
    const connected = await shim.json<{ connected: number; sockets: number }>('connected');
    const expected = spec.connections.reduce((sum, c) => sum + c.count, 0);
    if (connected.connected !== appPid || connected.sockets !== expected) {
      throw new Error(
        `${shim.what}: ${JSON.stringify(connected)}, expected ${expected} sockets from ${appPid}`,
      );
    }
    const pod: RealPod = {
      spec,
      sandboxId,
      uid: randomUUID(),
      netnsName,
      netnsInode: netnsInode(appPid),
      shimPid: started.shim,
      pausePid,
      appPid,
      nodePod: {
        namespace: spec.namespace,
        name: spec.name,
        ips: spec.addresses === null ? [] : [spec.addresses.ipv4, spec.addresses.ipv6],
        hostNetwork: spec.addresses === null,
        containers: ['app'],
      },
    };
    this.pods.push(pod);
    return pod;
  }

  /** The pod's netns, `eth0` in it paired with a veth in the world, addresses and default routes. */
  private async podNetwork(addresses: { readonly ipv4: string; readonly ipv6: string }): Promise<string> {
    const world = this.worldName;
    if (world === null) throw new Error('make the world before the pods');
    const index = this.pods.length;
    const name = await this.netns(`pod${index}`);
    const peer = `vethpod${index}`;
    const gateway4 = addresses.ipv4.replace(/\.\d+$/, '.1');
    const gateway6 = addresses.ipv6.replace(/:[0-9a-f]+$/, ':1');
    // Both ends made inside namespaces of ours: no interface ever appears in the machine's own.
    await ip('-n', name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', peer, 'netns', world);
    await ip('-n', world, 'addr', 'add', `${gateway4}/24`, 'dev', peer);
    await ip('-n', world, 'addr', 'add', `${gateway6}/64`, 'dev', peer, 'nodad');
    await ip('-n', world, 'link', 'set', peer, 'up');
    await ip('-n', name, 'link', 'set', 'lo', 'up');
    await ip('-n', name, 'addr', 'add', `${addresses.ipv4}/24`, 'dev', 'eth0');
    await ip('-n', name, 'addr', 'add', `${addresses.ipv6}/64`, 'dev', 'eth0', 'nodad');
    await ip('-n', name, 'link', 'set', 'eth0', 'up');
    await ip('-n', name, 'route', 'add', 'default', 'via', gateway4);
    await ip('-n', name, '-6', 'route', 'add', 'default', 'via', gateway6);
    return name;
  }

  /** A named netns; deleting it (once its processes are gone) takes its veths with it. */
  private async netns(suffix: string): Promise<string> {
    const name = `snat-real-${this.token}-${suffix}`;
    await ip('netns', 'add', name);
    this.cleanup.add(`ip netns del ${name}`, () => ip('netns', 'del', name));
    return name;
  }

  /** `crictl pods -o json` for the sandboxes made: the one stand-in (see LocalNodeKube). */
  crictlPodsJson(): string {
    const createdAt = String(BigInt(Date.now()) * 1_000_000n);
    return JSON.stringify(
      {
        items: this.pods.map((pod) => ({
          id: pod.sandboxId,
          metadata: { name: pod.spec.name, uid: pod.uid, namespace: pod.spec.namespace, attempt: 0 },
          state: 'SANDBOX_READY',
          createdAt,
          labels: {
            'io.kubernetes.pod.name': pod.spec.name,
            'io.kubernetes.pod.namespace': pod.spec.namespace,
            'io.kubernetes.pod.uid': pod.uid,
          },
          annotations: { 'kubernetes.io/config.source': 'api' },
          runtimeHandler: '',
        })),
      },
      null,
      2,
    );
  }

  /** The API server's view of this node: exec into the debug pod or into a pod's container. */
  kube(debugNamespace: string): LocalNodeKube {
    const podNetns = new Map<string, string>();
    for (const pod of this.pods) {
      if (pod.netnsName !== null) podNetns.set(`${pod.spec.namespace}/${pod.spec.name}`, pod.netnsName);
    }
    return new LocalNodeKube({
      debugNamespace,
      appletDir: this.busybox.dir,
      crictlPodsJson: () => this.crictlPodsJson(),
      podNetns,
    });
  }
}

/**
 * The interpreter's `-c` code for the fake shim, padded so that `-c <code>` takes exactly the bytes of
 * the shim's own arguments: fake-shim.py rewrites them in place, and the kernel's argv area cannot grow.
 */
function shimCode(shimArgv: readonly string[]): string {
  const code = 'import os;exec(open(os.environ["FAKE_SHIM_SCRIPT"]).read())';
  const wanted = shimArgv.slice(1).reduce((sum, arg) => sum + Buffer.byteLength(arg) + 1, 0);
  const length = wanted - '-c\0'.length - 1;
  if (code.length + 1 > length) throw new Error('the shim arguments are too short to hold the code');
  return `${code}#${'-'.repeat(length - code.length - 1)}`;
}
