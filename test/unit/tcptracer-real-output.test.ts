import { TraceAggregator } from '../../src/core/aggregate-trace';
import { IpClassifier } from '../../src/core/classify-ip';
import { lostSamplesIn, parseTraceLine, PID_MAX } from '../../src/core/parse-tcptracer';

// Lines as bcc tools/tcptracer.py prints them with -tv (`%-14d` TIME, `%-12s` TYPE, `%-6d %-16s %-2d %-16s
// %-16s %-6d %-6d` and ` %-8d` NETNS), built here column by column.
function line(
  time: string,
  type: string,
  pid: number | string,
  comm: string,
  ip: 4 | 6,
  saddr: string,
  daddr: string,
  sport = 40000,
  dport = 443,
  netns = 4026532785,
): string {
  return (
    `${time.padEnd(14)}${type.padEnd(12)} ${String(pid).padEnd(6)} ${comm.padEnd(16)} ${String(ip).padEnd(2)} ` +
    `${saddr.padEnd(16)} ${daddr.padEnd(16)} ${String(sport).padEnd(6)} ${String(dport).padEnd(6)} ${String(netns).padEnd(8)}`
  );
}

const BANNER = 'Tracing TCP established connections. Ctrl-C to end.';
const HEADER = `${'TIME(ns)'.padEnd(14)}${'TYPE'.padEnd(12)} PID    COMM             IP SADDR            DADDR            SPORT  DPORT  NETNS   `;

function aggregate(lines: readonly string[], kernel = true) {
  const aggregator = new TraceAggregator(new IpClassifier(), { kernel });
  aggregator.write(`${lines.join('\n')}\n`);
  return aggregator.end();
}

describe('tcptracer as it really prints (bcc tools/tcptracer.py)', () => {
  it.each([true, false])(
    "a negative TIME (another CPU's buffer, read later) is still an event (kernel %s)",
    (kernel) => {
      const summary = aggregate(
        [
          BANNER,
          HEADER,
          line('0', 'connect', 912, 'java', 4, '10.244.1.7', '20.50.2.10'),
          line('-52311', 'connect', 913, 'java', 4, '10.244.1.7', '20.50.2.10'),
          line('1000000000', 'connect', 912, 'java', 4, '10.244.1.7', '20.50.2.10'),
        ],
        kernel,
      );
      expect(summary.events.connect).toBe(3);
      expect(summary.skippedLines).toBe(2);
      expect(summary.banner).toBe(true);
      expect(summary.durationSeconds).toBe(1);
    },
  );

  it('reads a negative -t TIME in seconds without -v too', () => {
    const parsed = parseTraceLine(
      `${'-0.052'.padEnd(9)}C  912    java             4  10.244.1.7       20.50.2.10       40000  443   `,
    );
    expect(parsed).toMatchObject({
      kind: 'event',
      event: { timeSeconds: -0.052, type: 'connect', pid: 912 },
    });
  });

  it.each([true, false])('skips and counts a line that cannot be one event (kernel %s)', (kernel) => {
    const summary = aggregate(
      [
        // a PID past pid_max's limit (4,194,304 on 64-bit)
        line('10', 'connect', PID_MAX + 1, 'java', 4, '10.244.1.7', '20.50.2.10'),
        // the largest PID there can be is one
        line('11', 'connect', PID_MAX, 'java', 4, '10.244.1.7', '20.50.2.10'),
        // a COMM over 15 bytes: two lines run together, the first cut off mid-COMM
        `${'12'.padEnd(14)}${'connect'.padEnd(12)} 912    Web Conte${line('13', 'connect', 912, 'java', 4, '10.244.1.7', '20.50.2.10')}`,
        // U+FFFD stands for one byte of the kernel's name: 15 of them are still a name
        line('14', 'connect', 914, '\ufffd'.repeat(15), 4, '10.244.1.7', '20.50.2.10'),
      ],
      kernel,
    );
    expect(summary.events.connect).toBe(2);
    expect(summary.skippedLines).toBe(2);
  });

  it("takes [::ffff:a.b.c.d] (an AF_INET6 socket's IPv4 traffic; `-6` prints its connects, `-tv` its closes) as a.b.c.d", () => {
    const summary = aggregate([
      line('0', 'connect', 912, 'java', 4, '10.244.1.7', '20.50.2.10'),
      line('5', 'connect', 912, 'java', 6, '[::ffff:10.244.1.7]', '[::ffff:20.50.2.10]'),
      line('9', 'close', 912, 'java', 6, '[::ffff:10.244.1.7]', '[::ffff:20.50.2.10]'),
    ]);
    expect(summary.sources).toHaveLength(1);
    expect(summary.sources[0]).toMatchObject({
      saddr: '10.244.1.7',
      connects: 2,
      publicConnects: 2,
      closes: 1,
    });
    expect(summary.sources[0]?.topDestinations).toEqual([
      { daddr: '20.50.2.10', dport: 443, connects: 2, public: true },
    ]);
  });

  it('says whether the banner was read: neither banner nor events is no trace at all', () => {
    expect(aggregate(['/usr/bin/env: ‘python’: No such file or directory']).banner).toBe(false);
    expect(aggregate([BANNER, HEADER]).banner).toBe(true);
  });

  it("sums libbcc's `Possibly lost N samples` from stderr (src/cc/perf_reader.c), other lines aside", () => {
    expect(
      lostSamplesIn(
        'Possibly lost 9 samples\nTraceback (most recent call last):\nPossibly lost 31 samples\n',
      ),
    ).toBe(40);
    expect(lostSamplesIn('')).toBe(0);
  });
});
