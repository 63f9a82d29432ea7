import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

export interface Ran {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) and rejected past this. */
  readonly timeoutMs?: number;
}

/** The PATH of a container (the busybox image's, as Docker sets it): what a command after `chroot /host` sees. */
export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Runs argv (no shell) to its end. A program that is not there exits 127, as a shell reports it;
 * a deadline passed rejects (the exec did not finish, which is not an exit status).
 */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<Ran> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error('run: empty argv'));
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env ?? { PATH: CONTAINER_PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')}: still running after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT') resolve({ stdout: '', stderr: `${file}: not found\n`, exitCode: 127 });
      else reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        // A shell's convention for a process killed by a signal: 128 + its number.
        exitCode: code ?? 128 + (signal === null ? 0 : constants.signals[signal]),
      });
    });
  });
}

/** run, and throw unless it exited 0. */
export async function runOk(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await run(argv, { env: process.env, ...options });
  if (result.exitCode !== 0) {
    throw new Error(`${argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/**
 * A process that runs while the test does, started by the test: its stdout read as lines (the helper
 * programs print one JSON line when ready), its stderr kept for the message when it dies early.
 */
export class RunningProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  private readonly lines: string[] = [];
  private partial = '';
  private stderrText = '';
  private ended: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly exited: Promise<void>;

  constructor(
    readonly what: string,
    argv: readonly string[],
    options: { env?: NodeJS.ProcessEnv; detached?: boolean } = {},
  ) {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error('RunningProcess: empty argv');
    this.child = spawn(file, args, {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    });
    if (this.child.pid === undefined) throw new Error(`${what}: could not start ${file}`);
    this.pid = this.child.pid;
    this.child.stdout?.on('data', (chunk: Buffer) => {
      const text = this.partial + chunk.toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.ended = { code, signal };
        resolve();
      });
    });
  }

  get stderr(): string {
    return this.stderrText;
  }

  get running(): boolean {
    return this.ended === null;
  }

  /** The first stdout line that `match` accepts (its result), waiting for it until the deadline. */
  async line<T>(match: (line: string) => T | undefined, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines) {
        const found = match(line);
        if (found !== undefined) return found;
      }
      if (this.ended !== null) {
        throw new Error(
          `${this.what} ended (${this.ended.code ?? this.ended.signal}) before it was ready: ${this.stderrText.trim()}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(`${this.what} not ready after ${timeoutMs} ms: ${this.stderrText.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The first stdout line that parses as JSON with `key`. */
  json<T>(key: string, timeoutMs?: number): Promise<T> {
    return this.line((line) => {
      if (!line.startsWith('{')) return undefined;
      const value = JSON.parse(line) as Record<string, unknown>;
      return key in value ? (value as T) : undefined;
    }, timeoutMs);
  }

  /** Sends `signal` to this process (by its PID), SIGKILL if it is still there after `graceMs`, and waits. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 3_000): Promise<void> {
    if (this.ended !== null) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Polls `probe` until it gives something other than undefined, or throws at the deadline. */
export async function poll<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Whether a process of this PID is there (signal 0 checks without sending). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
