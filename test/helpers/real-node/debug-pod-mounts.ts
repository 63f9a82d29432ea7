import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HOST_ROOT, TCPTRACER, TRACE_DIR } from '../../../src/workflow/node-commands';
import type { Cleanup } from './cleanup';
import { which } from './preflight';
import { RunningProcess, run, type Ran } from './processes';

/**
 * The directories the debug pod's script is written against, made on this machine's real root only where
 * missing (each removed afterwards, with rmdir: only if still empty) so that there is somewhere to mount:
 * TRACE_DIR, HOST_ROOT and the folder of TCPTRACER.
 */
export function debugPodMountPoints(cleanup: Cleanup): void {
  for (const path of [TRACE_DIR, HOST_ROOT, dirname(TCPTRACER)]) {
    const missing: string[] = [];
    for (let dir = path; !existsSync(dir); dir = dirname(dir)) missing.unshift(dir);
    for (const dir of missing) {
      mkdirSync(dir);
      cleanup.add(`rmdir ${dir}`, () => rmdirSync(dir));
    }
  }
}

/**
 * The debug pod's container, as far as its script can tell: a mount namespace of its own (`unshare
 * --mount`, private propagation: nothing it mounts reaches the machine), with a tmpfs at TRACE_DIR (the
 * pod's emptyDir), this machine's `/` at HOST_ROOT (the hostPath of `/`, bound recursively as the
 * runtime binds it) and, visible through it, `bccTools` at bcc's tools folder. The script runs as the
 * container's command, `sh -c <script>`, by busybox sh with PATH = the applets, then /usr/bin. Its
 * process group is the test's to kill, which also ends the namespace and every mount in it.
 */
export class DebugPodContainer {
  private readonly process: RunningProcess;

  constructor(script: string, options: { readonly appletDir: string; readonly bccTools: string }) {
    const setUp = [
      'set -e',
      `mount -t tmpfs -o size=16m,mode=0755 tmpfs ${TRACE_DIR}`,
      `mount --bind "$BCC_TOOLS" ${dirname(TCPTRACER)}`,
      `mount --rbind / ${HOST_ROOT}`,
      'exec env -i PATH="$APPLETS:/usr/bin" "$APPLETS/sh" -c "$SCRIPT"',
    ].join('\n');
    this.process = new RunningProcess(
      'the debug pod script',
      ['unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', setUp],
      {
        env: {
          PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
          APPLETS: options.appletDir,
          BCC_TOOLS: options.bccTools,
          SCRIPT: script,
        },
        // Its own process group: the script, its watcher, the tracer and the `exec sleep` tail all in it.
        detached: true,
      },
    );
  }

  /** The PID of the script's shell (unshare and sh exec into it): the debug pod's PID 1, as it were. */
  get pid(): number {
    return this.process.pid;
  }

  /** What the container wrote to its log (stdout and stderr of the script: tcptracer's stderr). */
  get log(): string {
    return this.process.stderr;
  }

  get running(): boolean {
    return this.process.running;
  }

  /** A file of TRACE_DIR as the container sees it (through /proc/<pid>/root), or null when not there. */
  traceFile(name: string): string | null {
    try {
      return readFileSync(join(`/proc/${this.pid}/root`, TRACE_DIR, name), 'utf8');
    } catch {
      return null;
    }
  }

  /** An exec into the container: argv in its mount namespace, on its PATH of applets. */
  exec(argv: readonly string[], appletDir: string): Promise<Ran> {
    // nsenter is this machine's (the test's way in, as kubectl exec is); argv then finds only applets.
    const nsenter = which('nsenter');
    if (nsenter === null) throw new Error('no nsenter');
    return run([nsenter, '-t', String(this.pid), '-m', '--', ...argv], { env: { PATH: appletDir } });
  }

  /** The container deleted: SIGKILL to its whole process group, then wait for the script's shell. */
  async delete(): Promise<void> {
    if (this.process.running) {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    }
    await this.process.exited;
  }
}
