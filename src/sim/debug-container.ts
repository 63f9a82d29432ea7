/**
 * A container the responder made on a simulated node (its privileged debug pod): its command and every
 * exec into it run as processes of the node (sim-os.ts), in the debug image's files (busybox), with the
 * node's under /host when the pod mounts its `/` there, and an emptyDir at /trace when it mounts one.
 *
 * As containerd and runc do: a command whose program the image lacks never starts (StartError, exit 128,
 * `exec: "nsenter": executable file not found in $PATH`); an exec of one fails with the same words, exit 126.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { DEBUG_IMAGE, lookUp } from './node-images';
import type { NodeModel } from './node-model';
import { ContainerStartError, type ExecResult, type ExecStreams } from './pod-runtime';
import { programsFor } from './sim-programs';
import type { TracerFaults } from './sim-tracer';
import { Collected, SimClock, SimOs, type Output, type SimProcess } from './sim-os';

/** containerd's default PATH for an image that sets none (oci.WithDefaultPathEnv). */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Above the node model's own PIDs, below pid_max (4,194,304 on AKS nodes). */
const FIRST_PID = 3_000_000;

function notInImage(program: string): string {
  return `exec: "${program}": executable file not found in $PATH`;
}

export class DebugContainer {
  readonly os: SimOs;
  private readonly env: Map<string, string>;
  private readonly command: readonly string[];
  private main: SimProcess | null = null;

  constructor(
    model: NodeModel,
    pod: V1Pod,
    containerName: string,
    options: { readonly clock: SimClock; readonly faults?: TracerFaults },
  ) {
    const container = pod.spec?.containers.find((c) => c.name === containerName);
    const mounts = new Map((container?.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
    const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
    const hostMount = mounts.get('/host');
    const traceMount = mounts.get('/trace');
    const hostMounted = hostMount !== undefined && volumes.get(hostMount)?.hostPath?.path === '/';
    const traceMounted = traceMount !== undefined && volumes.get(traceMount)?.emptyDir !== undefined;
    this.env = new Map([
      ['PATH', DEFAULT_PATH],
      ['HOSTNAME', model.node.name],
    ]);
    for (const variable of container?.env ?? [])
      if (variable.value !== undefined) this.env.set(variable.name, variable.value);
    // No command: the image's CMD, `sh` (Dockerfile-Busybox).
    this.command = [...(container?.command ?? ['sh']), ...(container?.args ?? [])];
    this.os = new SimOs({
      clock: options.clock,
      containerImage: DEBUG_IMAGE,
      hostImage: model.image,
      programs: programsFor(model, options.faults),
      procFile: (path) => model.procFile(path),
      firstPid: FIRST_PID,
      mounts: { host: hostMounted, trace: traceMounted },
    });
  }

  private newProcess(): SimProcess {
    return this.os.newProcess({
      ignored: new Set(),
      fsizeLimit: null,
      env: this.env,
      cwd: '/',
      root: 'container',
    });
  }

  /** The container's main process: its log as it is written, then its exit status. */
  async *run(signal?: AbortSignal): AsyncGenerator<string, number> {
    const program = this.command[0] ?? 'sh';
    if (lookUp(DEBUG_IMAGE, program, this.env.get('PATH')) === null) {
      throw new ContainerStartError(
        `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${notInImage(program)}: unknown`,
      );
    }
    const queue: string[] = [];
    let notify: (() => void) | null = null;
    const toLog: Output = {
      write: (chunk) => {
        queue.push(chunk.toString('utf8'));
        notify?.();
        return Promise.resolve();
      },
    };
    const main = this.newProcess();
    this.main = main;
    const stopAll = () => {
      for (const proc of this.os.running()) proc.signal(9);
    };
    signal?.addEventListener('abort', stopAll, { once: true });
    let status: number | null = null;
    const ended = main
      .run(
        (async () =>
          (await this.os.exec({
            os: this.os,
            proc: main,
            argv: this.command,
            stdio: { stdout: toLog, stderr: toLog },
          })) ?? 127)(),
      )
      .then((code) => {
        status = code;
        notify?.();
      });
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift() as string;
        if (status !== null) break;
        await new Promise<void>((resolve) => (notify = resolve));
        notify = null;
      }
      await ended;
      return status ?? 0;
    } finally {
      // The container is gone: so is every process in it (its execs' too).
      stopAll();
      signal?.removeEventListener('abort', stopAll);
    }
  }

  /** An exec into the running container. */
  async exec(argv: readonly string[], streams?: ExecStreams): Promise<ExecResult> {
    const program = argv[0];
    if (program === undefined || lookUp(DEBUG_IMAGE, program, this.env.get('PATH')) === null) {
      return {
        stdout: '',
        stderr: `OCI runtime exec failed: exec failed: unable to start container process: ${notInImage(program ?? '')}: unknown\n`,
        exitCode: 126,
      };
    }
    const proc = this.newProcess();
    const collected = new Collected();
    const stdout: Output =
      streams === undefined ? collected : { write: (chunk) => streams.stdout(Buffer.from(chunk)) };
    const stderr = new Collected();
    const status = await proc.run(
      (async () => (await this.os.exec({ os: this.os, proc, argv, stdio: { stdout, stderr } })) ?? 127)(),
    );
    return { stdout: collected.text(), stderr: stderr.text(), exitCode: status };
  }

  /** Whether the container's main process still runs. */
  get running(): boolean {
    return this.main?.alive === true;
  }
}
