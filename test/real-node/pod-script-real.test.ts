/**
 * The debug pod's own script (`debugPodScript`, node-commands.ts) under real busybox sh, with real
 * signals: it runs in a mount namespace laid out as the debug pod's container is (a tmpfs at /trace,
 * this machine's `/` at /host, busybox applets on PATH), and tcptracer is a small stand-in with the
 * behaviour the script depends on (fake-tcptracer.py: a compile before the banner, print() per event,
 * `except KeyboardInterrupt: exit()`). The trace is read back with the responder's own commands.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTracing, parseTraceProbe, parseTraceTimes, TRACER_BANNER } from '../../src/core/tracer-outcome';
import {
  BANNER_POLL_SECONDS,
  debugPodScript,
  nodeCommands,
  TRACE_FILES,
} from '../../src/workflow/node-commands';
import { busyboxPath } from '../helpers/real-node/busybox-applets';
import { Cleanup } from '../helpers/real-node/cleanup';
import { DebugPodContainer, debugPodMountPoints } from '../helpers/real-node/debug-pod-mounts';
import { requireRealNode } from '../helpers/real-node/preflight';
import { isAlive, poll, RunningProcess } from '../helpers/real-node/processes';

const FAKE_TCPTRACER = join(__dirname, '..', 'helpers', 'real-node', 'fake-tcptracer.py');
const TRACE_SECONDS = 2;
/** fake-tcptracer.py prints an event every 50 ms. */
const EVENT_EVERY_SECONDS = 0.05;
/** The script's watcher: `until grep -qxF <banner> trace.log; do ...; sleep BANNER_POLL_SECONDS; done`. */
const WATCHER_POLL_SECONDS = BANNER_POLL_SECONDS;

/** The event lines of a trace (after the banner and the header), and the PID column of each. */
function events(log: string): { lines: string[]; pids: Set<number> } {
  const lines = log
    .split('\n')
    .slice(2)
    .filter((line) => line.trim() !== '');
  return { lines, pids: new Set(lines.map((line) => Number(line.trim().split(/\s+/)[2]))) };
}

/** Whether `signal` (by number) is ignored by the process: /proc/<pid>/status SigIgn, a hex mask. */
function ignores(pid: number, signal: number): boolean {
  const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (mask === undefined) throw new Error(`no SigIgn for ${pid}`);
  return (BigInt(`0x${mask}`) & (1n << BigInt(signal - 1))) !== 0n;
}

const SIGINT = 2;

describe('the debug pod script under busybox sh, with real signals', () => {
  const cleanup = new Cleanup();
  let dir: string;
  let appletDir: string;
  let bccTools: string;

  beforeAll(() => {
    requireRealNode();
    dir = mkdtempSync(join(tmpdir(), 'snat-pod-script-'));
    cleanup.add(`rm -r ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    appletDir = busyboxPath(join(dir, 'bin')).dir;
    bccTools = join(dir, 'bcc-tools');
    mkdirSync(bccTools);
    copyFileSync(FAKE_TCPTRACER, join(bccTools, 'tcptracer'));
    chmodSync(join(bccTools, 'tcptracer'), 0o755);
    debugPodMountPoints(cleanup);
  });

  afterAll(() => cleanup.run(), 20_000);

  it(`stops tcptracer with SIGINT ${TRACE_SECONDS} s after its banner: exit 0, the whole trace in trace.log`, async () => {
    const pod = new DebugPodContainer(debugPodScript(TRACE_SECONDS), { appletDir, bccTools });
    cleanup.add('delete the debug pod container', () => pod.delete());

    // Running once the script has begun (its first write), then, as startTrace waits: the probe, until
    // it says the tracer is tracing (the compile comes first).
    await poll('the script started', () => pod.traceFile(TRACE_FILES.started) ?? undefined, 5_000);
    const probe = await poll(
      'the banner',
      async () => {
        const result = await pod.exec(nodeCommands.traceProbe(), appletDir);
        const read = parseTraceProbe(result.stdout);
        return isTracing(read) ? read : undefined;
      },
      10_000,
    );
    // The script's tail is `exec sleep 300` (the exec window): its ending is all this test waits for.
    await poll('tracer ended', () => pod.traceFile(TRACE_FILES.ended) ?? undefined, 15_000);
    const times = parseTraceTimes((await pod.exec(nodeCommands.traceTimes(), appletDir)).stdout);
    const log = (await pod.exec(nodeCommands.traceLog(), appletDir)).stdout;
    const tracerPid = Number(pod.traceFile(TRACE_FILES.pid));
    const bannerFile = pod.traceFile(TRACE_FILES.banner);
    await pod.delete();

    const { lines, pids } = events(log);
    const window = (times.ended ?? NaN) - (times.banner ?? NaN);
    // What this machine measured, for the report.
    console.log(
      `events: ${lines.length}; banner -> stop ${((times.stopped ?? NaN) - (times.banner ?? NaN)).toFixed(2)} s, banner -> ended ${window.toFixed(2)} s, started -> banner ${((times.banner ?? NaN) - (times.started ?? NaN)).toFixed(2)} s`,
    );

    expect(times.status).toBe(0); // SIGINT reached Python: KeyboardInterrupt, exit()
    expect(probe.pid).toBe(tracerPid);
    expect(times.banner).not.toBeNull();
    expect(bannerFile).toMatch(/^\d+\.\d+ \d+\.\d+\n$/); // /proc/uptime when the watcher saw the banner
    expect(log.split('\n')[0]).toBe(TRACER_BANNER);
    expect(log.split('\n')[1]).toMatch(
      /^TIME\(ns\)\s+TYPE\s+PID\s+COMM\s+IP\s+SADDR\s+DADDR\s+SPORT\s+DPORT\s+NETNS\s*$/,
    );
    // The PID the child shell wrote before `exec timeout ... chroot ... python3` is the tracer's own:
    // the watcher's `kill -INT $pid` reaches Python itself.
    expect([...pids]).toEqual([tracerPid]);
    // An event every 50 ms from the banner printed to the stop; the watcher looks for the banner every
    // BANNER_POLL_SECONDS, so up to that much of events come before the uptime it notes as the banner's.
    expect(lines.length).toBeGreaterThanOrEqual(30);
    expect(lines.length).toBeLessThanOrEqual(
      Math.ceil((window + WATCHER_POLL_SECONDS) / EVENT_EVERY_SECONDS) + 1,
    );
    // /proc/uptime counts hundredths: the difference is good to 0.01 s.
    expect(window).toBeGreaterThanOrEqual(TRACE_SECONDS - 0.01);
    expect(window).toBeLessThanOrEqual(3.5);
    // Nothing on the container log: no traceback, no busybox complaint.
    expect(pod.log).toBe('');
  }, 20_000);

  // The fact the script works around (DESIGN.md section 5), shown with the same tracer and the same sh.
  it.each([
    { how: 'in the foreground of sh -c', outcome: 'stops on SIGINT, exit 0', background: false },
    {
      how: 'as a background job (&) of a non-interactive sh -c',
      outcome: 'ignores SIGINT and keeps tracing',
      background: true,
    },
  ])(
    'a tracer started $how $outcome',
    async ({ background }) => {
      const log = join(dir, `tracer-${background ? 'background' : 'foreground'}.log`);
      const tracer = `python3 -u ${FAKE_TCPTRACER} -tv > ${log}`;
      const script = background ? `${tracer} &\nwait $!\necho exited $?` : `${tracer}\necho exited $?`;
      const sh = new RunningProcess('sh running the tracer', [join(appletDir, 'sh'), '-c', script], {
        env: { PATH: `${appletDir}:/usr/bin` },
      });
      let tracerPid: number | null = null;
      cleanup.add('stop the tracer and its sh', async () => {
        if (tracerPid !== null && isAlive(tracerPid)) process.kill(tracerPid, 'SIGKILL');
        await sh.stop('SIGKILL');
      });
      const read = () => {
        try {
          return readFileSync(log, 'utf8');
        } catch {
          return '';
        }
      };
      // Once tracing (as the script waits for the banner), the PID from the tracer's own events.
      const pid = await poll('an event', () => [...events(read()).pids][0], 10_000);
      tracerPid = pid;
      // busybox ash forkchild(): a background job without job control starts with SIGINT ignored.
      expect(ignores(pid, SIGINT)).toBe(background);

      const before = events(read()).lines.length;
      process.kill(pid, 'SIGINT');
      const exited = () => sh.line((line) => (line.startsWith('exited ') ? line : undefined), 5_000);
      if (!background) {
        expect(await exited()).toBe('exited 0');
      } else {
        // Still tracing well after the SIGINT: ten more events, then it is killed here.
        await poll(
          'ten more events',
          () => (events(read()).lines.length >= before + 10 ? true : undefined),
          5_000,
        );
        expect(isAlive(pid)).toBe(true);
        process.kill(pid, 'SIGKILL');
        expect(await exited()).toBe('exited 137');
      }
    },
    20_000,
  );
});
