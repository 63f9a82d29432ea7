/**
 * What the debug pod's bookkeeping says about the trace (workflow/node-commands.ts): the probe while
 * waiting for the banner, the times after the stop, and why a tracer that ended did not trace. Pure: the
 * activities exec, this decides.
 */

/** tcptracer's first line (bcc tools/tcptracer.py), printed once the BPF program is compiled and attached. */
export const TRACER_BANNER = 'Tracing TCP established connections. Ctrl-C to end.';

/** The line that goes before each file's first line in a probe: none of those files holds it. */
export const FIELD_MARK = '@';

/** The fields of a probe, in order: what followed each mark, trimmed ('' for a file not there or empty). */
function fieldsOf(stdout: string): string[] {
  // A file whose last line has no newline yet runs into the next mark: `12345.67@`.
  return stdout
    .split(`${FIELD_MARK}\n`)
    .slice(1)
    .map((text) => text.trim());
}

/** What one `traceProbe` exec printed: one field per file, empty for a file not there yet. */
export interface TraceProbe {
  /** The node's uptime in seconds (/proc/uptime), the clock every time stamp of the trace is read on. */
  readonly uptime: number;
  readonly pid: number | null;
  /** The tracer's exit status once it has ended; null while it runs. */
  readonly status: number | null;
  /** The node's uptime when the pod saw the banner: the window counts from it. */
  readonly bannerAt: number | null;
  /** The first line of tcptracer's stdout: the banner, or whatever it printed instead; null before any. */
  readonly firstLine: string | null;
}

function field(line: string | undefined): string | null {
  const text = (line ?? '').trim();
  return text === '' ? null : text;
}

function integer(text: string | null): number | null {
  return text !== null && /^\d{1,10}$/.test(text) ? Number(text) : null;
}

/** /proc/uptime's first field (`12345.67 23456.78`), in seconds. */
function uptime(text: string | null): number | null {
  const match = /^(\d+(?:\.\d+)?)(?:\s|$)/.exec(text ?? '');
  return match === null ? null : Number(match[1]);
}

export function parseTraceProbe(stdout: string): TraceProbe {
  const [up, pid, status, banner, first] = fieldsOf(stdout);
  const seconds = uptime(field(up));
  if (seconds === null) throw new Error(`the trace probe printed no uptime: '${stdout.slice(0, 80)}'`);
  return {
    uptime: seconds,
    pid: integer(field(pid)),
    status: integer(field(status)),
    bannerAt: uptime(field(banner)),
    firstLine: field(first),
  };
}

/** True once the pod has seen tcptracer's banner: it is tracing, and the window is running. */
export function isTracing(probe: TraceProbe): boolean {
  return probe.bannerAt !== null && probe.firstLine === TRACER_BANNER;
}

/** The uptimes the pod wrote (`traceTimes`): at its start, at the stop sent, at the tracer's end. */
export interface TraceTimes {
  readonly now: number | null;
  readonly started: number | null;
  readonly banner: number | null;
  readonly stopped: number | null;
  readonly ended: number | null;
  readonly status: number | null;
}

export function parseTraceTimes(stdout: string): TraceTimes {
  const [now, started, banner, stopped, ended, status] = fieldsOf(stdout).map(field);
  return {
    now: uptime(now ?? null),
    started: uptime(started ?? null),
    banner: uptime(banner ?? null),
    stopped: uptime(stopped ?? null),
    ended: uptime(ended ?? null),
    status: integer(status ?? null),
  };
}

/**
 * Seconds actually traced: from the banner to the tracer's end (it traces until it has stopped, which
 * may be a second or two after the first SIGINT), or to the stop when its end was not written. Null when
 * the pod's clock was not read.
 */
export function tracedSeconds(bannerAt: number | null, times: TraceTimes): number | null {
  const end = times.ended ?? times.stopped;
  if (bannerAt === null || end === null) return null;
  return round2(Math.max(0, end - bannerAt));
}

export function round2(seconds: number): number {
  return Math.round(seconds * 100) / 100;
}

/** The lines worth quoting from what the tracer printed: a traceback's last line says what went wrong. */
function quote(text: string, max = 300): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^Possibly lost \d+ samples$/.test(line));
  const last = lines.at(-1) ?? '';
  const headers = lines.find((line) => line.startsWith('Unable to find kernel headers'));
  const said = headers !== undefined && headers !== last ? `${headers} … ${last}` : last;
  return said.length > max ? `${said.slice(0, max)}…` : said;
}

/**
 * Why tcptracer did not trace, from its exit status, its stderr and what it printed on stdout instead of
 * the banner, with what to do. The messages matched are the tools' own:
 * - busybox chroot (coreutils/chroot.c via BB_EXECVP_or_die): `chroot: can't execute 'python3': No such
 *   file or directory`, exit 127;
 * - CPython: `python3: can't open file '/usr/share/bcc/tools/tcptracer': [Errno 2] No such file or
 *   directory`, exit 2;
 * - bcc src/cc/frontends/clang/loader.cc: `Unable to find kernel headers. ...` (on stdout), then
 *   `Exception: Failed to compile BPF module <text>` (bcc/__init__.py);
 * - exit 137: SIGKILL, the OOM killer in the pod's cgroup when the compile outgrows its memory limit.
 */
export function tracerFailure(input: {
  readonly status: number | null;
  readonly stderr: string;
  readonly stdout: string;
}): string {
  const { status, stderr, stdout } = input;
  const said = quote(`${stdout}\n${stderr}`);
  const quoted = said === '' ? '' : `: "${said}"`;
  const exited = status === null ? 'did not start' : `exited ${status}`;
  if (/can't execute 'python3'|python3: (?:not found|No such file)/.test(stderr)) {
    return `no trace: python3 is not on the node${quoted}; the node's sockets and pods were still read`;
  }
  if (/can't open file '[^']*tcptracer'/.test(stderr)) {
    return `no trace: bcc's tools are not installed on this node (no /usr/share/bcc/tools/tcptracer)${quoted}; install bcc-tools on the node image, or read the trace by hand as the runbook does; the node's sockets and pods were still read`;
  }
  if (
    /Unable to find kernel headers|Failed to compile BPF module|chdir\(\/lib\/modules/.test(
      `${stdout}\n${stderr}`,
    )
  ) {
    return `no trace: tcptracer could not compile its BPF program (tcptracer ${exited})${quoted}; the node needs the kernel headers of its running kernel (linux-headers-$(uname -r), or CONFIG_IKHEADERS)`;
  }
  if (status === 137) {
    return `no trace: tcptracer was killed (SIGKILL, exit 137) before it traced, most likely by the OOM killer: bcc's compile outgrew the debug pod's memory limit${quoted}`;
  }
  if (status === 130) {
    return `no trace: tcptracer was interrupted (SIGINT) before its BPF program was attached${quoted}`;
  }
  return `no trace: tcptracer ${exited} before it traced${quoted}`;
}

/**
 * What a tracer that did trace says about how it ended: null for the clean stop (SIGINT: tcptracer's
 * `except KeyboardInterrupt: exit()` exits 0), otherwise a warning for the finding.
 */
export function tracerEnding(input: {
  readonly status: number | null;
  readonly stderr: string;
  readonly limitBytes: number;
  readonly bytes: number;
  readonly windowSeconds: number | null;
  readonly traceSeconds: number;
}): string | null {
  const { status, stderr } = input;
  const after =
    input.windowSeconds === null ? '' : ` after ${input.windowSeconds} s of ${input.traceSeconds}`;
  // First: at the bound tcptracer goes on (the EFBIG is swallowed in its ctypes callback) and exits 0 at
  // the stop, so a clean exit says nothing about a trace cut at the bound.
  if (/File too large|Errno 27/.test(stderr) || input.bytes >= input.limitBytes) {
    return `the trace reached its bound on the node's disk (${Math.round(input.limitBytes / 1024 ** 2)} MiB)${after} and stopped there: the trace is cut short`;
  }
  if (status === 0) return null;
  if (status === 0) return null;
  if (status === 137) {
    return `tcptracer did not stop on SIGINT and was killed (SIGKILL)${after}: events still in its buffers are lost`;
  }
  if (status === null) return `tcptracer's exit status was not read${after}: the trace may be cut short`;
  return `tcptracer exited ${status}${after}${stderr.trim() === '' ? '' : `: "${quote(stderr)}"`}: the trace is cut short`;
}
