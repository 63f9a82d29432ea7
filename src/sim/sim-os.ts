/**
 * Processes, signals and files as the debug pod's commands meet them on a node: enough of Linux and of the
 * programs involved that a command line runs here the way it would there, failures included.
 *
 * - A process has a PID (a host PID: the debug pod is hostPID), signal dispositions (SIG_IGN is inherited
 *   across fork and exec; a handler is not, signal(7)), a file-size limit (RLIMIT_FSIZE, inherited) and
 *   an environment. `exec` keeps the process and its PID.
 * - A signal that is ignored does nothing; one with a handler runs it; otherwise it ends the process with
 *   128 + its number as the shell reports it.
 * - Files: the container's own (the `/trace` emptyDir), /dev/null, /proc/uptime from the simulated clock,
 *   and the node's under /host (the hostPath of `/`), which are read-only here.
 */
import type { FileSystemImage, NodeImage, ProgramKind, SimFile } from './node-images';
import { lookUp } from './node-images';

export const SIGNALS: Readonly<Record<string, number>> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  KILL: 9,
  TERM: 15,
  USR1: 10,
  USR2: 12,
};

export function signalNumber(name: string): number | null {
  const bare = name.toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(bare)) return Number(bare);
  return SIGNALS[bare] ?? null;
}

/** The simulated clock: the node's uptime, running `scale` times faster than the wall clock. */
export class SimClock {
  private readonly startedAt = Date.now();

  constructor(
    private readonly bootUptime: number,
    readonly scale = 1,
  ) {}

  uptime(): number {
    return this.bootUptime + ((Date.now() - this.startedAt) / 1000) * this.scale;
  }

  /** Resolves after `seconds` of simulated time, or at once when `signal` aborts. */
  sleep(seconds: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, (seconds * 1000) / this.scale));
      function done() {
        signal.removeEventListener('abort', done);
        clearTimeout(timer);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** write(2) past RLIMIT_FSIZE: EFBIG (the process ignores SIGXFSZ, as Python does). */
export class FileTooLargeError extends Error {
  override readonly name = 'FileTooLargeError';
}

/** Where a process writes: a file, the container log, an exec's stream, /dev/null. */
export interface Output {
  write(chunk: Buffer, writer: SimProcess): Promise<void>;
}

export const DEV_NULL: Output = { write: () => Promise.resolve() };

/** A regular file of the container's: its bytes in chunks, never joined. */
export class SimRegularFile implements Output {
  readonly chunks: Buffer[] = [];
  size = 0;

  truncate(): void {
    this.chunks.length = 0;
    this.size = 0;
  }

  write(chunk: Buffer, writer: SimProcess): Promise<void> {
    const limit = writer.fsizeLimit;
    if (limit !== null && this.size + chunk.length > limit) {
      // write(2) writes what fits below the limit; the next write gets EFBIG.
      const room = Math.max(0, limit - this.size);
      if (room > 0) this.append(chunk.subarray(0, room));
      return Promise.reject(new FileTooLargeError('File too large'));
    }
    this.append(chunk);
    return Promise.resolve();
  }

  private append(chunk: Buffer): void {
    this.chunks.push(Buffer.from(chunk));
    this.size += chunk.length;
  }

  firstLine(): string {
    const text = Buffer.concat(this.chunks.slice(0, 4)).toString('utf8');
    const newline = text.indexOf('\n');
    return newline === -1 ? text : text.slice(0, newline + 1);
  }
}

/** An output gathered in memory (an exec's stderr, a captured stdout). */
export class Collected implements Output {
  private readonly chunks: Buffer[] = [];

  write(chunk: Buffer): Promise<void> {
    this.chunks.push(Buffer.from(chunk));
    return Promise.resolve();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export class SimProcess {
  readonly ignored: Set<number>;
  /** Handlers a program installed (Python's SIGINT -> KeyboardInterrupt); cleared by exec. */
  readonly handlers = new Map<number, () => void>();
  fsizeLimit: number | null;
  env: Map<string, string>;
  cwd: string;
  /** `/` of this process: the container's, or the node's after `chroot /host`. */
  root: 'container' | 'host';
  /** The node process whose netns this one entered (`nsenter -t PID -n`); null for the host's. */
  netnsOf: number | null;
  /** Aborted when the process ends, by its own exit or a signal: every wait in it returns. */
  readonly life = new AbortController();
  private killedBy: number | null = null;
  private readonly killed: Promise<number>;
  private resolveKilled: (status: number) => void = () => undefined;

  constructor(
    readonly pid: number,
    parent: {
      ignored: ReadonlySet<number>;
      fsizeLimit: number | null;
      env: ReadonlyMap<string, string>;
      cwd: string;
      root: 'container' | 'host';
      netnsOf?: number | null;
    },
  ) {
    this.netnsOf = parent.netnsOf ?? null;
    this.ignored = new Set(parent.ignored);
    this.fsizeLimit = parent.fsizeLimit;
    this.env = new Map(parent.env);
    this.cwd = parent.cwd;
    this.root = parent.root;
    this.killed = new Promise((resolve) => (this.resolveKilled = resolve));
  }

  get alive(): boolean {
    return !this.life.signal.aborted;
  }

  /** The status a signal ended it with, or null. */
  get signalled(): number | null {
    return this.killedBy;
  }

  /** Delivers a signal: ignored, handled, or the end of the process (SIGKILL is never ignored or handled). */
  signal(signo: number): void {
    if (!this.alive || signo === 0) return;
    if (signo !== SIGNALS.KILL && this.ignored.has(signo)) return;
    const handler = signo === SIGNALS.KILL ? undefined : this.handlers.get(signo);
    if (handler !== undefined) {
      handler();
      return;
    }
    this.killedBy = 128 + signo;
    this.resolveKilled(128 + signo);
    this.life.abort();
  }

  /** Runs the process's program until it returns or a signal ends it; the status either way. */
  async run(program: Promise<number>): Promise<number> {
    program.catch(() => undefined);
    const status = await Promise.race([program, this.killed]);
    this.life.abort();
    return this.killedBy ?? status;
  }
}

export interface Stdio {
  readonly stdout: Output;
  readonly stderr: Output;
  /** What `< FILE` gave the command to read; absent for none (programs here read no other input). */
  readonly stdin?: string;
}

export interface ProgramContext {
  readonly os: SimOs;
  readonly proc: SimProcess;
  readonly argv: readonly string[];
  readonly stdio: Stdio;
  /** The program's name as it reports itself (busybox applets use argv[0]'s basename). */
  readonly name: string;
  /** Which build of the program this is (`busybox`, `dash`, `coreutils`, ...). */
  readonly flavour: string | undefined;
}

export type Program = (context: ProgramContext) => Promise<number>;

/** The operating-system side a debug pod runs on: its node's processes, files and programs. */
export interface SimOsOptions {
  readonly clock: SimClock;
  readonly containerImage: FileSystemImage;
  readonly hostImage: NodeImage;
  readonly programs: Readonly<Partial<Record<ProgramKind, Program>>>;
  /** /proc files the node model answers (`/proc/<pid>/net/tcp`, ...); null when there is no such file. */
  readonly procFile: (path: string) => string | null;
  /** The first PID the simulator hands out (above the node model's own processes). */
  readonly firstPid: number;
  /** What the pod mounts: the node's `/` at /host (a hostPath), an emptyDir at /trace. */
  readonly mounts: { readonly host: boolean; readonly trace: boolean };
}

export class SimOs {
  readonly clock: SimClock;
  /** The container's writable files, by absolute path. */
  readonly files = new Map<string, SimRegularFile>();
  private readonly processes = new Map<number, SimProcess>();
  private nextPid: number;

  constructor(private readonly options: SimOsOptions) {
    this.clock = options.clock;
    this.nextPid = options.firstPid;
  }

  newProcess(parent: ConstructorParameters<typeof SimProcess>[1]): SimProcess {
    const proc = new SimProcess(this.nextPid++, parent);
    this.processes.set(proc.pid, proc);
    proc.life.signal.addEventListener('abort', () => this.processes.delete(proc.pid), { once: true });
    return proc;
  }

  process(pid: number): SimProcess | undefined {
    return this.processes.get(pid);
  }

  /** Every process still running (the container's are stopped with it). */
  running(): SimProcess[] {
    return [...this.processes.values()];
  }

  image(root: 'container' | 'host'): FileSystemImage {
    return root === 'host' ? this.options.hostImage : this.options.containerImage;
  }

  get hostImage(): NodeImage {
    return this.options.hostImage;
  }

  /** Resolves a path as `proc` sees it: relative to its cwd, and under /host once it is chrooted there. */
  resolve(proc: SimProcess, path: string): string {
    const absolute = path.startsWith('/') ? path : `${proc.cwd.replace(/\/$/, '')}/${path}`;
    const parts: string[] = [];
    for (const part of absolute.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') parts.pop();
      else parts.push(part);
    }
    const normal = `/${parts.join('/')}`;
    return proc.root === 'host' ? (normal === '/' ? '/host' : `/host${normal}`) : normal;
  }

  /** Opens a file for writing as `>` does (created, truncated) or `>>` (appended). */
  openWrite(proc: SimProcess, path: string, append: boolean): Output | string {
    const at = this.resolve(proc, path);
    if (at === '/dev/null') return DEV_NULL;
    if (at.startsWith('/host/') || at.startsWith('/proc/')) return `${path}: Read-only file system`;
    if (!this.writable(at)) return `${path}: nonexistent directory`;
    let file = this.files.get(at);
    if (file === undefined) {
      file = new SimRegularFile();
      this.files.set(at, file);
    } else if (!append) {
      file.truncate();
    }
    return file;
  }

  /** The text of a file as `cat` reads it, or null when there is none. */
  read(proc: SimProcess, path: string): { chunks: readonly Buffer[] } | null {
    const at = this.resolve(proc, path);
    const file = this.files.get(at);
    if (file !== undefined) return { chunks: file.chunks };
    if (at === '/dev/null') return { chunks: [] };
    const proc_ = at.startsWith('/host/proc/') ? at.slice('/host'.length) : at;
    if (proc_ === '/proc/uptime') {
      const up = this.clock.uptime();
      return { chunks: [Buffer.from(`${up.toFixed(2)} ${(up * 3.7).toFixed(2)}\n`)] };
    }
    if (proc_.startsWith('/proc/')) {
      const text = this.options.procFile(proc_);
      return text === null ? null : { chunks: [Buffer.from(text)] };
    }
    return null;
  }

  private writable(path: string): boolean {
    return (this.options.mounts.trace && path.startsWith('/trace/')) || path.startsWith('/tmp/');
  }

  /** Whether the node's `/` is mounted at /host. */
  get hostMounted(): boolean {
    return this.options.mounts.host;
  }

  /** Whether `cd` finds the directory (the container's own few, or the node's under /host). */
  isDirectory(path: string): boolean {
    if (path === '/' || path === '/tmp') return true;
    if (path === '/trace') return this.options.mounts.trace;
    return this.options.mounts.host && (path === '/host' || path.startsWith('/host/'));
  }

  /**
   * execvp(3) in `proc`: finds `argv[0]` on its PATH under its root and runs it in the same process (a
   * script through its `#!` interpreter, as the kernel's binfmt_script does). `null` when there is no
   * such file, for the caller to report in its own words.
   */
  async exec(context: Omit<ProgramContext, 'name' | 'flavour'>): Promise<number | null> {
    const { proc, argv } = context;
    const name = argv[0];
    if (name === undefined) return null;
    const found = lookUp(this.image(proc.root), name, proc.env.get('PATH'));
    if (found === null) return null;
    // exec resets handled signals to their default; ignored ones stay ignored (signal(7), execve(2)).
    proc.handlers.clear();
    return this.runFile(context, found.path, found.file);
  }

  private async runFile(
    context: Omit<ProgramContext, 'name' | 'flavour'>,
    path: string,
    file: SimFile,
  ): Promise<number> {
    if (file.kind === 'script') {
      const [interpreter, ...args] = file.shebang;
      const target = lookUp(this.image(context.proc.root), interpreter as string, undefined);
      const argv = [interpreter as string, ...args, path, ...context.argv.slice(1)];
      if (target === null) {
        await write(context.stdio.stderr, context.proc, `${context.argv[0]}: not found\n`);
        return 127;
      }
      return this.runFile({ ...context, argv }, interpreter as string, target.file);
    }
    const program = this.options.programs[file.program];
    const base = basename(context.argv[0] ?? path);
    if (program === undefined || file.program === 'unmodelled') {
      await write(
        context.stdio.stderr,
        context.proc,
        `sim: ${base} (${file.flavour ?? 'node'}) is not modelled\n`,
      );
      return 1;
    }
    return program({ ...context, name: base, flavour: file.flavour });
  }
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function write(output: Output, proc: SimProcess, text: string): Promise<void> {
  return text === '' ? Promise.resolve() : output.write(Buffer.from(text, 'utf8'), proc);
}
