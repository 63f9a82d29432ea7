import { aggregateTrace, TraceAggregator } from '../../src/core/aggregate-trace';
import { IpClassifier, parseCidr } from '../../src/core/classify-ip';
import { sample } from '../helpers/samples';

const classifier = new IpClassifier();

function brief(text: string, withClassifier = classifier) {
  const summary = aggregateTrace(text, withClassifier);
  return {
    ...summary,
    sources: summary.sources.map(({ processes: _processes, ...source }) => source),
  };
}

const d = (daddr: string, dport: number, connects: number, isPublic: boolean) => ({
  daddr,
  dport,
  connects,
  public: isPublic,
});

describe('aggregateTrace on the -t4v sample (figures checked by hand with a Python right-split)', () => {
  const summary = brief(sample('tcptracer-t4v.txt'));

  it('counts each event type; banner, header and the cut-off last line are skipped; lost samples summed', () => {
    expect(summary.events).toEqual({ connect: 33, accept: 6, close: 20, unknown: 1 });
    expect(summary.lostSamples).toBe(9);
    expect(summary.skippedLines).toBe(3);
    expect(summary.durationSeconds).toBe(0.28);
  });

  it('gives one source per (saddr, netns), sorted by connects, then saddr, then netns', () => {
    expect(
      summary.sources.map((s) => [s.saddr, s.netns, s.connects, s.publicConnects, s.accepts, s.closes]),
    ).toEqual([
      ['10.244.1.7', 4026532785, 17, 16, 1, 7],
      ['fd00:1::7', 4026533200, 6, 4, 2, 0],
      ['10.224.0.4', 4026531992, 3, 2, 0, 8],
      ['10.244.1.12', 4026533014, 3, 1, 1, 3],
      ['10.244.1.9', 4026532901, 3, 0, 1, 2],
      ['10.244.1.15', 4026533111, 1, 0, 1, 0],
    ]);
  });

  it('keeps the top five destinations by connects, without brackets, a ::ffff: peer as the IPv4 address it is', () => {
    expect(summary.sources[0]?.topDestinations).toEqual([
      d('40.126.32.134', 5432, 2, true),
      d('40.126.32.134', 8443, 2, true),
      d('52.239.148.100', 443, 2, true),
      d('104.208.16.91', 80, 1, true),
      d('104.208.16.91', 8443, 1, true),
    ]);
    expect(summary.sources[1]?.topDestinations).toEqual([
      d('2603:1030:403:3::2a', 5432, 2, true),
      d('20.60.1.1', 443, 1, true),
      d('2603:1030:403:3::2a', 80, 1, true),
      d('fd00:10::5', 80, 1, false),
      d('fd00:10::5', 443, 1, false),
    ]);
  });

  it('gives connects per second over the whole trace', () => {
    expect(summary.sources.map((s) => s.connectsPerSecond)).toEqual([
      60.89, 21.49, 10.74, 10.74, 10.74, 3.58,
    ]);
  });
});

describe('aggregateTrace on the -t4 sample (no NETNS column)', () => {
  const summary = brief(sample('tcptracer-t4.txt'));

  it('keys sources by saddr alone, netns null', () => {
    expect(summary.events).toEqual({ connect: 16, accept: 3, close: 11, unknown: 0 });
    expect(summary.skippedLines).toBe(3);
    expect(summary.sources.map((s) => [s.saddr, s.netns, s.connects, s.publicConnects])).toEqual([
      ['10.244.1.7', null, 5, 5],
      ['10.224.0.4', null, 4, 2],
      ['10.244.1.9', null, 4, 0],
      ['10.244.1.12', null, 1, 0],
      ['10.244.1.15', null, 1, 0],
      ['fd00:1::7', null, 1, 0],
    ]);
  });
});

describe('TraceAggregator', () => {
  const lines = [
    'TIME(ns)      TYPE         PID    COMM             IP SADDR            DADDR            SPORT  DPORT  NETNS   ',
    '1000000000    connect      42     curl             4  10.244.1.7       20.50.2.10       40000  443    4026532785',
    '1500000000    close        42     curl             4  10.244.1.7       20.50.2.10       40000  443    4026532785',
    '2000000000    connect      43     worker 1         4  10.244.1.7       20.50.2.10       40002  443    4026532785',
    '3000000000    accept       44     nginx            4  10.244.1.7       20.50.9.9        80     51000  4026532785',
  ];

  it('counts connects, not closes or accepts, and classifies with the user CIDRs', () => {
    const withVnet = new IpClassifier([parseCidr('20.50.0.0/16')]);
    const [source] = brief(lines.join('\n') + '\n', withVnet).sources;
    expect(source).toMatchObject({ connects: 2, publicConnects: 0, accepts: 1, closes: 1 });
    expect(source?.topDestinations).toEqual([d('20.50.2.10', 443, 2, false)]);
  });

  it('keeps connects per process for attributing the host netns by PID', () => {
    const [source] = aggregateTrace(lines.join('\n'), classifier).sources;
    expect(source?.processes).toEqual([
      {
        pid: 42,
        comm: 'curl',
        connects: 1,
        publicConnects: 1,
        destinations: [d('20.50.2.10', 443, 1, true)],
      },
      {
        pid: 43,
        comm: 'worker 1',
        connects: 1,
        publicConnects: 1,
        destinations: [d('20.50.2.10', 443, 1, true)],
      },
    ]);
  });

  it('keeps a whole last event that has no newline, and skips a cut-off one', () => {
    expect(brief(lines.join('\n')).events.connect).toBe(2);
    expect(brief(lines.slice(0, 4).join('\n') + '\n3000000000    accept       44     ngi').skippedLines).toBe(
      2,
    );
  });

  it('gives the same answer however the stream is cut into chunks', () => {
    const text = sample('tcptracer-t4v.txt');
    const whole = aggregateTrace(text, classifier);
    for (let size = 1; size < 200; size += 13) {
      const aggregator = new TraceAggregator(classifier);
      for (let i = 0; i < text.length; i += size) aggregator.write(text.slice(i, i + size));
      expect(aggregator.end()).toEqual(whole);
    }
  });

  it('skips an event whose address does not parse, and counts nothing for it', () => {
    const bad =
      '1000000000    connect      42     curl             4  10.244.1.7       999.50.2.10      40000  443    4026532785';
    const summary = brief(`${lines[1]}\n${bad}\n`);
    expect(summary.skippedLines).toBe(1);
    expect(summary.events.connect).toBe(1);
  });

  it('has no duration without a TIME column', () => {
    const summary = brief('C  33  curl  4  10.244.1.7  20.50.2.10  40000  443\n');
    expect(summary.durationSeconds).toBeNull();
    expect(summary.sources[0]?.connectsPerSecond).toBeNull();
  });
});
