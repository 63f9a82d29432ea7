/**
 * `python3 /usr/share/bcc/tools/tcptracer ARGS` on a simulated node: bcc's tool as it behaves (tools/
 * tcptracer.py at 6d0a964; CPython 3.x), with the node's events from its TraceGenerator.
 *
 * - argparse: `-t -v -4 -6 -p PID -N NETNS`, short flags combined; `-4` with `-6` is an error (exit 2).
 * - Start: the BPF program is compiled with clang/LLVM first (seconds); only then the banner and header.
 * - Output: `print()` with no flush, so stdout into a file is block-buffered (8 KiB) unless `-u` or
 *   PYTHONUNBUFFERED; libbcc's `Possibly lost N samples` goes to stderr at once (fprintf, perf_reader.c).
 * - SIGINT: Python's handler (KeyboardInterrupt) exists only if SIGINT was not ignored when it started. In
 *   `perf_buffer_poll`, `except KeyboardInterrupt: exit()`: buffers flushed, exit 0. Inside the perf-buffer
 *   callback (a ctypes callback) the exception is printed as "Exception ignored on calling ctypes callback
 *   function" and swallowed: on a busy node, where the callback is where the time goes, so is a SIGINT,
 *   often. During the compile it is uncaught: a traceback, and the process dies of SIGINT (130).
 * - SIGTERM and SIGKILL: default actions, what is still in Python's buffer is lost.
 * - A write past RLIMIT_FSIZE: EFBIG, raised inside the callback, swallowed likewise, one traceback per event.
 */
import type { NodeModel } from './node-model';
import { formatTraceEvent, TRACER_BANNER, tracerHeader, TracerMaps, type TracerFlags } from './node-trace';
import { rng } from './random';
import { FileTooLargeError, write, type ProgramContext, type SimProcess } from './sim-os';

/** io.DEFAULT_BUFFER_SIZE: Python's buffer for a file it writes (st_blksize where larger; 8 KiB here). */
const PYTHON_BUFFER_BYTES = 8192;
/**
 * How many events a second one Python process formats and prints before the per-CPU buffers overflow
 * (a model figure, not a measurement: tcptracer does a few µs of Python per event).
 */
export const TRACER_EVENTS_PER_SECOND = 60_000;
/** Python's time per event inside the callback: the share of time a SIGINT lands there (model figure). */
const CALLBACK_SECONDS_PER_EVENT = 25e-6;

export interface TracerFaults {
  /** The node has no kernel headers for its kernel: the BPF compile fails. */
  readonly kernelHeadersMissing?: boolean;
  /** The compile outgrows the pod's memory limit: the OOM killer ends it (SIGKILL). */
  readonly oomKilled?: boolean;
}

const USAGE =
  'usage: tcptracer [-h] [-t] [-p PID] [-N NETNS] [--cgroupmap CGROUPMAP]\n' +
  '                 [--mntnsmap MNTNSMAP] [-4 | -6] [-v]\n';

function parseFlags(args: readonly string[]): TracerFlags | string {
  let timestamps = false;
  let verbose = false;
  let family: 4 | 6 | null = null;
  const wanted = [...args];
  while (wanted.length > 0) {
    const arg = wanted.shift() as string;
    const long: Readonly<Record<string, string>> = {
      '--timestamp': 't',
      '--verbose': 'v',
      '--ipv4': '4',
      '--ipv6': '6',
    };
    const letters = long[arg] ?? (/^-[tv46]+$/.test(arg) ? arg.slice(1) : null);
    if (letters === null) {
      if ((arg === '-p' || arg === '-N') && /^\d+$/.test(wanted[0] ?? '')) {
        wanted.shift();
        continue;
      }
      return `${USAGE}tcptracer: error: unrecognized arguments: ${arg}\n`;
    }
    for (const letter of letters) {
      if (letter === 't') timestamps = true;
      else if (letter === 'v') verbose = true;
      else {
        const asked = letter === '4' ? 4 : 6;
        if (family !== null && family !== asked) {
          return `${USAGE}tcptracer: error: argument -6/--ipv6: not allowed with argument -4/--ipv4\n`;
        }
        family = asked;
      }
    }
  }
  return { timestamps, verbose, family };
}

/** Python's sys.stdout on a file: block-buffered, or written through with `-u`. */
class PythonStdout {
  private pending: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly context: ProgramContext,
    private readonly unbuffered: boolean,
  ) {}

  async print(text: string): Promise<void> {
    const data = Buffer.from(text, 'utf8');
    if (this.unbuffered) return this.context.stdio.stdout.write(data, this.context.proc);
    this.pending.push(data);
    this.size += data.length;
    if (this.size < PYTHON_BUFFER_BYTES) return;
    // A full buffer goes out in whole buffers; the rest waits.
    const all = Buffer.concat(this.pending);
    const out = all.length - (all.length % PYTHON_BUFFER_BYTES);
    this.pending = [all.subarray(out)];
    this.size = all.length - out;
    await this.context.stdio.stdout.write(all.subarray(0, out), this.context.proc);
  }

  /** At a clean exit: what is left in the buffer. */
  async flush(): Promise<void> {
    if (this.size === 0) return;
    const all = Buffer.concat(this.pending);
    this.pending = [];
    this.size = 0;
    await this.context.stdio.stdout.write(all, this.context.proc);
  }
}

function callbackTraceback(error: string): string {
  return (
    'Exception ignored on calling ctypes callback function: <function PerfEventArray._open_perf_buffer.<locals>.raw_cb_ at 0x7f3a5c1e2b90>\n' +
    'Traceback (most recent call last):\n' +
    '  File "/usr/lib/python3/dist-packages/bcc/table.py", line 991, in raw_cb_\n' +
    '    callback(cpu, data, size)\n' +
    '  File "/usr/share/bcc/tools/tcptracer", line 564, in print_ipv4_event\n' +
    '    print("%-6d %-16s %-2d %-16s %-16s %-6d %-6d" %\n' +
    `${error}\n`
  );
}

/** Sleeps until `until` on the node's clock, or until `wake` aborts; false if the process ended meanwhile. */
async function sleepUntil(
  proc: SimProcess,
  context: ProgramContext,
  until: number,
  wake: AbortSignal,
): Promise<boolean> {
  const signal = AbortSignal.any([proc.life.signal, wake]);
  await context.os.clock.sleep(Math.max(0, until - context.os.clock.uptime()), signal);
  return proc.alive;
}

export async function runTracer(
  context: ProgramContext,
  args: readonly string[],
  options: { readonly unbuffered: boolean; readonly model: NodeModel; readonly faults: TracerFaults },
): Promise<number> {
  const { proc, os } = context;
  const flags = parseFlags(args);
  if (typeof flags === 'string') {
    await write(context.stdio.stderr, proc, flags);
    return 2;
  }
  const random = rng(options.model.seed, 'tracer', options.model.node.name, proc.pid);
  let interrupted = false;
  let wake = new AbortController();
  // Python installs its SIGINT handler only if SIGINT is at its default when it starts (signalmodule.c).
  if (!proc.ignored.has(2)) {
    proc.handlers.set(2, () => {
      interrupted = true;
      wake.abort();
    });
  }
  const stdout = new PythonStdout(context, options.unbuffered);

  // The BPF compile: clang parses the kernel headers, LLVM builds the program, then it is attached.
  const compileSeconds = 2 + random.next() * 2;
  const compiled = await sleepUntil(proc, context, os.clock.uptime() + compileSeconds, wake.signal);
  if (!compiled) return 137;
  if (options.faults.oomKilled === true) {
    proc.signal(9);
    return 137;
  }
  if (interrupted) {
    await write(
      context.stdio.stderr,
      proc,
      'Traceback (most recent call last):\n  File "/usr/share/bcc/tools/tcptracer", line 636, in <module>\n    b = BPF(text=bpf_text)\nKeyboardInterrupt\n',
    );
    return 130;
  }
  if (options.faults.kernelHeadersMissing === true) {
    // bcc loader.cc prints the first line to stdout, kbuild_helper.h the chdir line to stderr.
    await stdout.print(
      'Unable to find kernel headers. Try rebuilding kernel with CONFIG_IKHEADERS=m (module) or installing the kernel development package for your running kernel version.\n',
    );
    await stdout.flush();
    const release = os.hostImage.kernelVersion;
    await write(
      context.stdio.stderr,
      proc,
      `chdir(/lib/modules/${release}/build): No such file or directory\n` +
        'Traceback (most recent call last):\n  File "/usr/share/bcc/tools/tcptracer", line 636, in <module>\n    b = BPF(text=bpf_text)\n' +
        '  File "/usr/lib/python3/dist-packages/bcc/__init__.py", line 479, in __init__\n' +
        '    raise Exception("Failed to compile BPF module %s" % (src_file or "<text>"))\n' +
        'Exception: Failed to compile BPF module <text>\n',
    );
    return 1;
  }

  let tooLarge = false;
  const out = async (text: string): Promise<void> => {
    try {
      await stdout.print(text);
    } catch (error) {
      if (!(error instanceof FileTooLargeError)) throw error;
      tooLarge = true;
      await write(context.stdio.stderr, proc, callbackTraceback('OSError: [Errno 27] File too large'));
    }
  };
  const generator = options.model.traceGenerator();
  const maps = new TracerMaps(flags);
  const record = { events: { connect: 0, accept: 0, close: 0 }, lost: 0, bytes: 0 };
  options.model.tracers.push(record);
  // Attached: events count from here, and the banner follows at once.
  const attachedAt = os.clock.uptime();
  await out(`${TRACER_BANNER}\n`);
  await out(`${tracerHeader(flags)}\n`);

  let first: number | null = null;
  let rate = 0;
  const emit = async (k: number): Promise<void> => {
    const events = generator.second(k).filter((event) => maps.prints(event));
    rate = events.length;
    const kept = Math.min(events.length, TRACER_EVENTS_PER_SECOND);
    if (kept < events.length) {
      record.lost += events.length - kept;
      await write(context.stdio.stderr, proc, `Possibly lost ${events.length - kept} samples\n`);
    }
    let text = '';
    for (let i = 0; i < kept; i++) {
      const event = events[i] as (typeof events)[number];
      first ??= event.ns;
      text += `${formatTraceEvent(event, first, flags)}\n`;
      record.events[event.type]++;
      if (text.length > 1 << 16 || i === kept - 1) {
        record.bytes += Buffer.byteLength(text);
        if (!tooLarge) await out(text);
        else await write(context.stdio.stderr, proc, callbackTraceback('OSError: [Errno 27] File too large'));
        text = '';
      }
    }
  };
  for (let k = 0; ; k++) {
    // A SIGINT while the callback runs is swallowed there; one in perf_buffer_poll ends the loop.
    while (!(await sleepUntil(proc, context, attachedAt + k + 1, wake.signal)) || interrupted) {
      if (!proc.alive) return 137;
      const at = os.clock.uptime();
      interrupted = false;
      wake = new AbortController();
      if (random.next() < Math.min(0.9, rate * CALLBACK_SECONDS_PER_EVENT)) {
        await write(context.stdio.stderr, proc, callbackTraceback('KeyboardInterrupt'));
        continue;
      }
      // What the polls read before the stop is printed (a second's events each, the timers' lateness
      // aside); what is still in the buffers is lost with the exit.
      while (attachedAt + k + 1 <= at) await emit(k++);
      await stdout.flush().catch(() => undefined);
      return 0;
    }
    await emit(k);
  }
}
