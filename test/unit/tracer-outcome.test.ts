import {
  FIELD_MARK,
  parseTraceProbe,
  parseTraceTimes,
  tracedSeconds,
  tracerEnding,
  tracerFailure,
} from '../../src/core/tracer-outcome';

const probe = (...fields: string[]) => fields.map((f) => `${FIELD_MARK}\n${f}`).join('');

describe("the debug pod's bookkeeping", () => {
  it('reads a probe field by field; a file not there, or there but still empty, is no value and shifts nothing', () => {
    expect(parseTraceProbe(probe('5012.40 9999.10\n', '3000002\n', '', '', ''))).toEqual({
      uptime: 5012.4,
      pid: 3000002,
      status: null,
      bannerAt: null,
      firstLine: null,
    });
    expect(
      parseTraceProbe(
        probe(
          '5015.00 1.00\n',
          '3000002\n',
          '',
          '5014.92',
          'Tracing TCP established connections. Ctrl-C to end.\n',
        ),
      ),
    ).toMatchObject({ bannerAt: 5014.92, firstLine: 'Tracing TCP established connections. Ctrl-C to end.' });
    expect(() => parseTraceProbe('sh: head: not found\n')).toThrow(/printed no uptime/);
  });

  it('times the window from the banner to the end of the tracer (a second or two after the first SIGINT)', () => {
    const times = parseTraceTimes(
      probe('6000 1\n', '5010.00 1\n', '5014.92 1\n', '5644.92 1\n', '5645.40 1\n', '0\n'),
    );
    expect(times).toEqual({
      now: 6000,
      started: 5010,
      banner: 5014.92,
      stopped: 5644.92,
      ended: 5645.4,
      status: 0,
    });
    expect(tracedSeconds(5014.92, times)).toBe(630.48);
    expect(tracedSeconds(5014.92, { ...times, ended: null })).toBe(630);
    expect(tracedSeconds(null, times)).toBeNull();
  });

  it.each([
    [
      'no python3 on the node (busybox chroot)',
      { status: 127, stderr: "chroot: can't execute 'python3': No such file or directory\n", stdout: '' },
      `no trace: python3 is not on the node: "chroot: can't execute 'python3': No such file or directory"; the node's sockets and pods were still read`,
    ],
    [
      'an OOM kill during the compile',
      { status: 137, stderr: '', stdout: '' },
      "no trace: tcptracer was killed (SIGKILL, exit 137) before it traced, most likely by the OOM killer: bcc's compile outgrew the debug pod's memory limit",
    ],
    [
      'anything else, in its own words',
      {
        status: 1,
        stderr: 'Traceback (most recent call last):\n  File "x"\nImportError: No module named bcc\n',
        stdout: '',
      },
      'no trace: tcptracer exited 1 before it traced: "ImportError: No module named bcc"',
    ],
  ])('says why a tracer did not trace: %s', (_name, input, message) => {
    expect(tracerFailure(input)).toBe(message);
  });

  it('a trace cut at its bound on the node is said so, even though tcptracer exits 0 at the stop', () => {
    const base = { limitBytes: 2 * 1024 ** 3, windowSeconds: 600, traceSeconds: 600 };
    expect(tracerEnding({ ...base, status: 0, stderr: '', bytes: 1_360_000_000 })).toBeNull();
    expect(
      tracerEnding({
        ...base,
        status: 0,
        stderr: 'OSError: [Errno 27] File too large\n',
        bytes: 2 * 1024 ** 3,
      }),
    ).toBe(
      "the trace reached its bound on the node's disk (2048 MiB) after 600 s of 600 and stopped there: the trace is cut short",
    );
    expect(tracerEnding({ ...base, status: 137, stderr: '', bytes: 10 })).toBe(
      'tcptracer did not stop on SIGINT and was killed (SIGKILL) after 600 s of 600: events still in its buffers are lost',
    );
  });
});
