/**
 * One node of a simulated AKS cluster, as the responder meets it: its pods as the API server lists them,
 * what `tcptracer -t4v` prints there, and what the runbook's tools answer in the privileged debug pod
 * (hostPID, hostNetwork) and inside application containers. Everything follows from the scenario and its
 * seed: the same seed gives byte-identical outputs.
 */
import { NotFoundError, InputError } from '../core/errors';
import { clusterNodes, fillerPods } from './cluster-layout';
import { parseHostTool, parseSocketTool, type ToolCommand } from './node-commands';
import { nodeImage, type NodeImage } from './node-images';
import {
  HOST_NETNS,
  KERNEL_THREADS,
  layOutNode,
  seenAt,
  type NodeIdentities,
  type SimContainer,
  type SimPod,
  type SimProcess,
} from './node-identities';
import { buildNodeSockets, type NodeSockets, type SimSocket } from './node-sockets';
import { TraceGenerator, traceNode, type TraceLine } from './node-trace';
import { renderCrictlPods, renderCrictlPs } from './render-crictl';
import { renderLsnsJson, type LsnsRow } from './render-lsns';
import { renderNetstat } from './render-netstat';
import { renderProcNetTcp } from './render-proc-net-tcp';
import { ProcessTree } from './render-pstree';
import { renderSs, type SocketOwner } from './render-ss';
import { MAX_TRACE_SECONDS, type Scenario } from './scenario';

export type { SimContainer, SimPod } from './node-identities';
export type { TraceLine } from './node-trace';

export interface TracerRecord {
  readonly events: { connect: number; accept: number; close: number };
  lost: number;
  bytes: number;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

function ok(stdout: string): ExecResult {
  return { stdout, stderr: '', exitCode: 0 };
}

function failed(stderr: string, exitCode = 1, stdout = ''): ExecResult {
  return { stdout, stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n`, exitCode };
}

function unsupported(argv: readonly string[]): ExecResult {
  return failed(`sim: no simulated answer for '${argv.join(' ')}'`, 127);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export class NodeModel {
  readonly node: { readonly name: string; readonly ip: string };
  /** The node's OS image: the files the debug pod finds under /host. */
  readonly image: NodeImage;
  /** What each tracer that ran on the node printed: the events made, to hold a reader's counts against. */
  readonly tracers: TracerRecord[] = [];
  readonly seed: number;
  private readonly identities: NodeIdentities;
  /** Processes by PID, threads by TID (to their process). */
  private readonly processes: ReadonlyMap<number, SimProcess>;
  private socketsCache: NodeSockets | null = null;
  private treeCache: ProcessTree | null = null;

  /** Throws NotFoundError when the scenario has no node of that name (its own or an extra one). */
  constructor(scenario: Scenario, nodeName: string) {
    const node = clusterNodes(scenario).find((candidate) => candidate.name === nodeName);
    if (node === undefined) throw new NotFoundError(`no node '${nodeName}' in the scenario`);
    this.node = { name: node.name, ip: node.ip };
    this.image = nodeImage(node.extra ? undefined : scenario.nodes[node.index]?.image);
    this.seed = scenario.seed;
    const own = node.extra ? [] : (scenario.nodes[node.index]?.pods ?? []);
    const fillers = node.extra ? [] : (fillerPods(scenario).get(node.name) ?? []);
    this.identities = layOutNode({
      seed: scenario.seed,
      nodeName: node.name,
      nodeIp: node.ip,
      pods: [...own, ...fillers],
      fillerCount: fillers.length,
    });
    const processes = new Map<number, SimProcess>();
    for (const process of this.identities.processes) {
      processes.set(process.pid, process);
      for (const tid of process.threads) processes.set(tid, process);
    }
    this.processes = processes;
  }

  /** The pods on this node as the API server would show them, in creation order. */
  pods(): readonly SimPod[] {
    return this.identities.pods.map((identity) => identity.pod);
  }

  /**
   * tcptracer's output over `seconds` whole seconds (`-tv` unless told otherwise), banner and header first,
   * each line with the second it falls due in. Each traffic entry yields exactly
   * Math.round(connectsPerSecond * seconds) connects (and closes for those that close inside the window);
   * kubelet's probes add connects and the pods' accepts.
   */
  traceLines(seconds: number): TraceLine[] {
    if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TRACE_SECONDS) {
      throw new InputError(
        `trace seconds: expected an integer from 1 to ${MAX_TRACE_SECONDS}, got ${seconds}`,
      );
    }
    return traceNode({ ...this.traceInput(), seconds });
  }

  /** The node's TCP events a second at a time, from the moment a tracer attaches (one per tracer). */
  traceGenerator(): TraceGenerator {
    return new TraceGenerator(this.traceInput());
  }

  private traceInput() {
    return {
      seed: this.seed,
      nodeName: this.node.name,
      nodeIp: this.node.ip,
      identities: this.identities,
      portsTaken: this.sockets().portsTaken,
    };
  }

  /**
   * A node tool run from the privileged debug pod (hostPID, hostNetwork), in the host netns or, under
   * `nsenter -t PID -n`, in that process's. Null when the argv is not one the simulator models.
   */
  runTool(argv: readonly string[], netnsOfPid: number | null): ExecResult | null {
    const parsed = parseHostTool(argv);
    if (parsed === null) return null;
    let netns = HOST_NETNS;
    if (netnsOfPid !== null) {
      const process = this.processes.get(netnsOfPid);
      if (process === undefined)
        return failed(`nsenter: cannot open /proc/${netnsOfPid}/ns/net: No such file or directory`);
      netns = process.netns;
    }
    return this.answer(parsed, netns, this.hostOwner(), argv);
  }

  /** Whether the node has a process (or thread) with this PID. */
  hasPid(pid: number): boolean {
    return this.processes.has(pid);
  }

  /**
   * A /proc file as the debug pod reads it (its /proc is the node's: hostPID): `/proc/<pid>/net/tcp{,6}`
   * (the netns of that process), `/proc/net/tcp{,6}` (the host netns: hostNetwork). Null for any other.
   */
  procFile(path: string): string | null {
    const match = /^\/proc\/(?:(\d+)\/)?net\/(tcp6?)$/.exec(path);
    if (match === null) return null;
    const netns = match[1] === undefined ? HOST_NETNS : this.processes.get(Number(match[1]))?.netns;
    return netns === undefined ? null : renderProcNetTcp(this.socketsOf(netns), match[2] === 'tcp6' ? 6 : 4);
  }

  /**
   * Answers `kubectl exec` into an application container: only the tools its image has (else exit code 126
   * and the runtime's message), run in the container's own PID namespace — its process is PID 1 there and
   * other containers' sockets show no owner.
   */
  execInPod(namespace: string, pod: string, container: string, command: readonly string[]): ExecResult {
    const identity = this.identities.pods.find((p) => p.pod.namespace === namespace && p.pod.name === pod);
    if (identity === undefined) return failed(`Error from server (NotFound): pods "${pod}" not found`);
    const target = identity.pod.containers.find((c) => c.name === container);
    if (target === undefined) {
      return failed(`error: unable to upgrade connection: container not found ("${container}")`);
    }
    if (command.length === 0) return failed('error: you must specify at least one command for the container');
    const tool = basename(command[0] as string);
    if (!(target.tools as readonly string[]).includes(tool)) {
      return failed(
        `OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0]}": ` +
          'executable file not found in $PATH: unknown',
        126,
      );
    }
    const parsed = parseSocketTool(command);
    if (parsed === null) return unsupported(command);
    return this.answer(parsed, identity.netns, this.containerOwner(target), command, target.pid);
  }

  // -------------------------------------------------------------------------------------------------

  private sockets(): NodeSockets {
    this.socketsCache ??= buildNodeSockets({
      seed: this.seed,
      nodeName: this.node.name,
      nodeIp: this.node.ip,
      identities: this.identities,
    });
    return this.socketsCache;
  }

  private tree(): ProcessTree {
    this.treeCache ??= new ProcessTree(this.identities.processes);
    return this.treeCache;
  }

  private socketsOf(netns: number): readonly SimSocket[] {
    return this.sockets().byNetns.get(netns)?.sockets ?? [];
  }

  /** The debug pod sees every process (hostPID): host PIDs, the kernel's comm (ss) or argv[0] (netstat). */
  private hostOwner(): { ss: SocketOwner; netstat: SocketOwner } {
    const owner =
      (name: (process: SimProcess) => string): SocketOwner =>
      (socket) => {
        const process = this.processes.get(socket.pid);
        return process === undefined ? null : { comm: name(process), pid: socket.pid, fd: socket.fd };
      };
    return { ss: owner((p) => p.comm), netstat: owner((p) => basename(p.argv[0] ?? p.comm)) };
  }

  /** Inside a container only its own process is visible, as PID 1. */
  private containerOwner(container: SimContainer): { ss: SocketOwner; netstat: SocketOwner } {
    const process = this.processes.get(container.pid) as SimProcess;
    const owner =
      (name: string): SocketOwner =>
      (socket) =>
        socket.pid === container.pid ? { comm: name, pid: 1, fd: socket.fd } : null;
    return { ss: owner(process.comm), netstat: owner(basename(process.argv[0] ?? process.comm)) };
  }

  /**
   * `selfPid` is the PID that /proc/1 and /proc/self name inside a container; in the debug pod /proc is the
   * host's (hostPID) and /proc/self/net is the host netns (hostNetwork).
   */
  private answer(
    command: ToolCommand,
    netns: number,
    owner: { ss: SocketOwner; netstat: SocketOwner },
    argv: readonly string[],
    selfPid?: number,
  ): ExecResult {
    switch (command.kind) {
      case 'lsns':
        return ok(renderLsnsJson(this.lsnsRows()));
      case 'pstree': {
        if (!/^\d+$/.test(command.pid)) return failed(`No such user name: ${command.pid}`);
        const text = this.tree().render(Number(command.pid));
        return text === null ? failed(`Process ${command.pid} not found.`) : ok(text);
      }
      case 'crictl-pods':
        return ok(renderCrictlPods(this.identities.pods, (ms) => seenAt(this.seed, this.node.name, ms)));
      case 'crictl-ps':
        return ok(renderCrictlPs(this.identities.pods, this.seed));
      case 'ss':
        return ok(
          renderSs(this.socketsOf(netns), { owner: owner.ss, onlyEstablished: command.onlyEstablished }),
        );
      case 'netstat':
        return ok(renderNetstat(this.socketsOf(netns), owner.netstat, { wide: command.wide }));
      case 'cat':
        return this.cat(command.files, netns, selfPid);
      default:
        return unsupported(argv);
    }
  }

  private cat(files: readonly string[], netns: number, selfPid: number | undefined): ExecResult {
    let stdout = '';
    let stderr = '';
    for (const file of files) {
      const match = /^\/proc\/(?:(\d+|self|thread-self)\/)?net\/(tcp6?)$/.exec(file);
      let fileNetns: number | undefined;
      if (match !== null) {
        const who = match[1];
        if (who === undefined || who === 'self' || who === 'thread-self') fileNetns = netns;
        else if (selfPid !== undefined) fileNetns = who === '1' ? netns : undefined;
        else fileNetns = this.processes.get(Number(who))?.netns;
      }
      if (match === null || fileNetns === undefined) {
        stderr += `cat: ${file}: No such file or directory\n`;
        continue;
      }
      stdout += renderProcNetTcp(this.socketsOf(fileNetns), match[2] === 'tcp6' ? 6 : 4);
    }
    return { stdout, stderr, exitCode: stderr === '' ? 0 : 1 };
  }

  private lsnsRows(): LsnsRow[] {
    const byNetns = new Map<number, SimProcess[]>();
    for (const process of this.identities.processes) {
      const inNetns = byNetns.get(process.netns);
      if (inNetns === undefined) byNetns.set(process.netns, [process]);
      else inNetns.push(process);
    }
    const podByNetns = new Map(
      this.identities.pods.filter((p) => !p.pod.hostNetwork).map((p) => [p.netns, p]),
    );
    return [...byNetns].map(([netns, processes]): LsnsRow => {
      const lowest = processes.reduce((a, b) => (b.pid < a.pid ? b : a));
      const pod = podByNetns.get(netns);
      return {
        ns: netns,
        nprocs: processes.length + (netns === HOST_NETNS ? KERNEL_THREADS : 0),
        pid: lowest.pid,
        user: lowest.uid === 0 ? 'root' : String(lowest.uid),
        netnsid: pod?.netnsId ?? null,
        nsfs: pod?.netnsPath ?? null,
        command: lowest.argv.join(' '),
      };
    });
  }
}
