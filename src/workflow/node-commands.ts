/**
 * Every command line the responder runs on a node, in one place (DESIGN.md sections 3 and 5).
 *
 * The debug pod's image is busybox (`mcr.microsoft.com/cbl-mariner/busybox:2.0`, built from azurelinux
 * `SPECS/busybox/busybox-static.config`): it has `sh`, `chroot`, `timeout`, `cat`, `head`, `sleep`, `kill`,
 * but no `nsenter` (`# CONFIG_NSENTER is not set`) and no `ss` (busybox has no such applet). So the
 * node's own tools are reached the way AKS documents for node access ("Connect to AKS cluster nodes":
 * `kubectl debug node/... --image=mcr.microsoft.com/cbl-mariner/busybox:2.0`, then `chroot /host`): the
 * node's `/` is mounted at HOST_ROOT and every node tool runs under `chroot /host`. Reads of /proc need no
 * chroot: the pod is hostPID, so its own /proc is the node's.
 *
 * Every argument that varies is a checked integer: nothing from outside reaches a shell.
 */

import { FIELD_MARK, TRACER_BANNER } from '../core/tracer-outcome';

/** The node's root file system inside the debug pod (a hostPath of `/`). */
export const HOST_ROOT = '/host';
/** The debug pod's scratch space (an emptyDir with a size limit): the trace and its bookkeeping. */
export const TRACE_DIR = '/trace';
/** Where bcc installs its tools (bcc tools/CMakeLists.txt: `share/bcc/tools`, `.py` dropped). */
export const TCPTRACER = '/usr/share/bcc/tools/tcptracer';

/**
 * The trace's bound on the node's disk: `ulimit -f` (RLIMIT_FSIZE, in 512-byte blocks in busybox ash and
 * dash alike). Past it, write() fails with EFBIG (Python ignores SIGXFSZ): the file stops growing there.
 * tcptracer does not stop: it prints from a ctypes callback (bcc table.py `raw_cb_`), and CPython reports an
 * exception raised in one as "Exception ignored on calling ctypes callback function" and goes on (seen
 * with Python 3.11 here, SystemExit included), so every later event writes a traceback to stderr. Its
 * stderr is therefore the container log, which kubelet rotates and bounds (containerLogMaxSize and
 * MaxFiles), not a file of ours; the stop traceSeconds after the banner ends it. 2 GiB holds a 600 s trace
 * at 10,000 connects/s (a connect and a close each, about 113 bytes a line: 1.36 GB).
 */
export const TRACE_LIMIT_BYTES = 2 * 1024 ** 3;
/** How long the BPF compile may take before the trace is given up (clang on a busy node: seconds to a minute). */
export const TRACER_STARTUP_LIMIT_SECONDS = 180;
/** After SIGINT, how long tcptracer has to exit before it is killed (busybox timeout `-k`, and the stopper). */
export const TRACER_KILL_AFTER_SECONDS = 10;
/**
 * How many SIGINTs the stop sends, a second apart, before SIGKILL: a KeyboardInterrupt raised while tcptracer
 * is inside its perf-buffer callback is swallowed like any exception there (see TRACE_LIMIT_BYTES), and on a
 * busy node the callback is where it spends its time; one raised in `perf_buffer_poll` ends it cleanly.
 */
export const TRACER_INTERRUPTS = 5;
/**
 * How often the pod's watcher looks for the banner (busybox sleep takes fractions, FEATURE_FANCY_SLEEP):
 * the window counts from when it is seen, so the trace runs up to this much longer than it says.
 */
export const BANNER_POLL_SECONDS = 0.1;
/** How long the pod stays up after the trace for the correlation, the socket reads and the trace's read-back. */
export const EXEC_WINDOW_SECONDS = 300;

/** Files in TRACE_DIR. */
export const TRACE_FILES = {
  /** tcptracer's stdout. */
  log: 'trace.log',
  /** The tracer's PID (a host PID: the pod is hostPID). */
  pid: 'tracer.pid',
  /** The tracer's exit status, written when it has ended. */
  status: 'tracer.status',
  /** /proc/uptime when the pod started, when the banner was seen, when the stop was sent, when the tracer ended. */
  started: 'started',
  banner: 'banner',
  stopped: 'stopped',
  ended: 'ended',
} as const;

function checkedInteger(value: number, what: string, min: number, max: number): string {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} must be an integer from ${min} to ${max}, not ${value}`);
  }
  return String(value);
}

function pidArg(pid: number): string {
  return checkedInteger(pid, 'a PID', 1, 4_194_304);
}

function underChroot(...argv: string[]): string[] {
  return ['chroot', HOST_ROOT, ...argv];
}

/**
 * The debug pod's own command (busybox sh, in TRACE_DIR): tcptracer as the runbook runs it, `python3
 * tcptracer -tv` (python3: AKS Ubuntu images have no `python`, and bcc's tools keep the shebang
 * `#!/usr/bin/env python`; both families, no `-4`: `-4` misses IPv4 traffic of AF_INET6 sockets), with:
 *
 * - `-u`: unbuffered (Python block-buffers stdout into a file, 8 KiB; a kill would lose it);
 * - in the foreground of a child shell, so that SIGINT reaches it: a background job (`&`) of a
 *   non-interactive sh starts with SIGINT ignored (busybox ash forkchild: `ignoresig(SIGINT)`), and Python
 *   installs its KeyboardInterrupt handler only when SIGINT is SIG_DFL at start (Modules/signalmodule.c);
 * - `exec timeout -s INT -k 10 CAP`: busybox timeout execs the tracer in its own process (so the PID the
 *   child shell wrote is the tracer's) and stops it with SIGINT, KILL 10 s later: a dead man's switch;
 * - `ulimit -f`: the trace's bound on the node's disk (TRACE_LIMIT_BYTES);
 * - its stdout to a file, not the container log (kubelet keeps only the current log file, and rotates it at
 *   containerLogMaxSize, 10 MiB by default), its exit status kept; its stderr (libbcc's `Possibly lost N
 *   samples`, Python's tracebacks) to the container log, which kubelet bounds.
 *
 * The window is timed in the pod, from the banner, whatever the responder does meanwhile: a watcher (in
 * the background, where its own SIGINT is ignored, which does not matter: it only sends it) waits for the
 * banner (the BPF compile comes first), notes the node's uptime, sleeps traceSeconds, then sends SIGINT
 * once a second (TRACER_INTERRUPTS times) while the tracer runs, and SIGKILL if it still does 10 s after
 * the first. tcptracer's `except KeyboardInterrupt: exit()` makes a stop while polling exit 0.
 */
export function debugPodScript(traceSeconds: number): string {
  const seconds = Number(checkedInteger(traceSeconds, 'traceSeconds', 1, 3600));
  const cap = TRACER_STARTUP_LIMIT_SECONDS + seconds + 60;
  const blocks = TRACE_LIMIT_BYTES / 512;
  const f = TRACE_FILES;
  const running = `cat ${f.status} > /dev/null 2>&1 ||`;
  const interrupts = Array.from({ length: TRACER_INTERRUPTS }, () => `${running} kill -INT $pid`).join(
    '; sleep 1; ',
  );
  const watcher = [
    `until grep -qxF '${TRACER_BANNER}' ${f.log}; do cat ${f.status} > /dev/null 2>&1 && exit 0; sleep ${BANNER_POLL_SECONDS}; done`,
    `cat /proc/uptime > ${f.banner}`,
    `sleep ${seconds}`,
    `read pid < ${f.pid}`,
    `cat /proc/uptime > ${f.stopped}`,
    `${interrupts}`,
    `sleep ${TRACER_KILL_AFTER_SECONDS - (TRACER_INTERRUPTS - 1)}; ${running} kill -KILL $pid`,
  ].join('; ');
  const tracer =
    `echo $$ > ${f.pid}; ulimit -f ${blocks}; ` +
    `exec timeout -s INT -k ${TRACER_KILL_AFTER_SECONDS} ${cap} ` +
    `${underChroot('python3', '-u', TCPTRACER, '-tv').join(' ')}`;
  return [
    `cd ${TRACE_DIR} || exit 1`,
    `cat /proc/uptime > ${f.started}`,
    `(${watcher}) > /dev/null 2>&1 &`,
    `sh -c '${tracer}' > ${f.log}`,
    `echo $? > ${f.status}`,
    `cat /proc/uptime > ${f.ended}`,
    `exec sleep ${EXEC_WINDOW_SECONDS}`,
  ].join('\n');
}

/** The debug pod's container command. */
export function debugPodCommand(traceSeconds: number): string[] {
  return ['sh', '-c', debugPodScript(traceSeconds)];
}

/**
 * Each file's first line, after a line of its own (FIELD_MARK), in this order: nothing after the mark when
 * the file is not there, or is there but still empty (`> file` makes it before anything is written).
 */
function firstLines(paths: readonly string[]): string[] {
  return ['sh', '-c', paths.map((path) => `echo ${FIELD_MARK}; head -n 1 ${path} 2>/dev/null`).join('; ')];
}

const inTraceDir = (file: string) => `${TRACE_DIR}/${file}`;

export const nodeCommands = {
  /**
   * While waiting for the banner: the node's uptime, the tracer's PID, its exit status (`-` while it
   * runs), the uptime the pod saw the banner at, and the first line of its output (the banner, or what it
   * printed instead).
   */
  traceProbe: (): string[] =>
    firstLines([
      '/proc/uptime',
      inTraceDir(TRACE_FILES.pid),
      inTraceDir(TRACE_FILES.status),
      inTraceDir(TRACE_FILES.banner),
      inTraceDir(TRACE_FILES.log),
    ]),
  /**
   * The node's uptime now, at the pod's start, at the banner, at the stop and at the tracer's end, and its
   * exit status (`-` for what has not happened).
   */
  traceTimes: (): string[] =>
    firstLines([
      '/proc/uptime',
      ...[
        TRACE_FILES.started,
        TRACE_FILES.banner,
        TRACE_FILES.stopped,
        TRACE_FILES.ended,
        TRACE_FILES.status,
      ].map(inTraceDir),
    ]),
  /** tcptracer's output, streamed out whole. */
  traceLog: (): string[] => ['cat', inTraceDir(TRACE_FILES.log)],
  /** netns inode -> a PID in it (util-linux lsns, `-J` for JSON). */
  lsns: (): string[] => underChroot('lsns', '-t', 'net', '-J'),
  /** The whole process tree from PID 1 (with -l: kubectl exec gives no terminal, and pstree would cut lines at 132 columns). */
  pstree: (): string[] => underChroot('pstree', '-aspl', '1'),
  crictlPods: (): string[] => underChroot('crictl', 'pods', '-o', 'json'),
  crictlContainers: (): string[] => underChroot('crictl', 'ps', '-a', '-o', 'json'),
  /** A pod's socket table read from the host side (the pod is hostPID): distroless images work, nothing installed. */
  procNetTcp: (pid: number): string[] => [
    'cat',
    `/proc/${pidArg(pid)}/net/tcp`,
    `/proc/${pidArg(pid)}/net/tcp6`,
  ],
  /** Several pods' tables in one exec (one WebSocket instead of many): split with splitProcNetTcp. */
  procNetTcpMany: (pids: readonly number[]): string[] => [
    'cat',
    ...pids.flatMap((pid) => [`/proc/${pidArg(pid)}/net/tcp`, `/proc/${pidArg(pid)}/net/tcp6`]),
  ],
  /**
   * The host netns with owning PIDs (the pod is hostNetwork, so no nsenter): how hostNetwork pods' sockets
   * are told from kubelet's. The node's iproute2 ss, under chroot.
   */
  hostSockets: (): string[] => underChroot('ss', '-tnp'),
} as const;

/**
 * The fallback when no process of a pod is found from the host side: the runbook's own way, run in the
 * pod's container with whatever tool it has (`kubectl exec`), in this order. Nothing varies. netstat with
 * `-W`: without it net-tools cuts `address:port` to 22 characters, and IPv6 peers with it.
 */
export const inPodSocketCommands: readonly (readonly string[])[] = [
  ['cat', '/proc/net/tcp', '/proc/net/tcp6'],
  ['ss', '-tnp'],
  ['netstat', '-ptnW'],
];
