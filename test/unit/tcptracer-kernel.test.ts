import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTrace } from '../../bench/generate-trace';
import { TraceAggregator, type TraceSummary } from '../../src/core/aggregate-trace';
import { IpClassifier } from '../../src/core/classify-ip';
import { sample } from '../helpers/samples';

const classifier = new IpClassifier();
const ROOT = join(__dirname, '..', '..');

function aggregate(text: string, kernel: boolean, chunk = 1 << 20): TraceSummary {
  const aggregator = new TraceAggregator(classifier, { kernel });
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += chunk) aggregator.writeBytes(bytes.subarray(i, i + chunk));
  return aggregator.end();
}

const V4 =
  '3268438       connect      4194303 abcdefghijklmno  4  10.244.1.15      100.64.3.3       40032  5432   4026533111';

describe('the WebAssembly kernel counts exactly what the general scanner counts', () => {
  let generated: string;

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'tcptracer-'));
    try {
      generateTrace(join(dir, 'trace.log'), 20_000, 3, 0.03);
      generated = readFileSync(join(dir, 'trace.log'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['the -t4v sample', () => sample('tcptracer-t4v.txt')],
    ['the -t4 sample', () => sample('tcptracer-t4.txt')],
    ['a generated 20,000-event log', () => generated],
  ])('on %s', (_what, text) => {
    expect(aggregate(text(), true)).toEqual(aggregate(text(), false));
  });

  it('whatever the chunk size (lines split across writes)', () => {
    const text = sample('tcptracer-t4v.txt');
    const whole = aggregate(text, false);
    for (const size of [1, 7, 64, 113, 4096]) expect(aggregate(text, true, size)).toEqual(whole);
  });

  it.each([
    ['a garbled type', V4.replace('connect', 'cannect')],
    ['garbage in the TIME padding', V4.replace('3268438      ', '3268438  x   ')],
    ['a time with a dot', V4.replace('3268438', '3268.38')],
    ['a COMM wider in bytes than in characters', V4.replace('abcdefghijklmno', 'Wéb Contént    ')],
    ['a newline inside COMM', V4.replace('abcdefghijklmno', 'abcdefg\nijklmno')],
    ['a line cut inside NETNS', V4.slice(0, -5)],
    ['a leading zero in an address', V4.replace('10.244.1.15 ', '10.244.01.15')],
    ['an octet past 255', V4.replace('10.244.1.15 ', '10.244.1.256')],
    ['a four-digit octet', V4.replace('10.244.1.15 ', '10.2444.1.15')],
    ['a doubled zero octet', V4.replace('100.64.3.3  ', '100.64.00.3 ')],
    ['three octets', V4.replace('100.64.3.3  ', '100.64.3    ')],
    ['five octets', V4.replace('100.64.3.3  ', '100.6.4.3.3 ')],
    ['a port past 65535', V4.replace('5432 ', '65536')],
    ['an 8-digit PID', V4.replace('4194303', '41943031').replace('abcdefghijklmno ', 'abcdefghijklmno')],
    ['CRLF line ends', `${V4}\r`],
    ['trailing tabs', `${V4}\t\t`],
    ['a stderr notice glued into the line', V4.replace('100.64.3.3   ', '100.Possibly lost 3 samples')],
  ])('on %s', (_what, line) => {
    const text = `${line}\n${V4}\n`;
    expect(aggregate(text, true)).toEqual(aggregate(text, false));
  });

  it('keeps memory bounded: folds the table when a trace has more distinct tuples than it holds', () => {
    const lines: string[] = [];
    for (let i = 0; i < 70_000; i++) {
      const daddr = `20.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      lines.push(
        `${String(1000 + i).padEnd(14)}connect      42     curl             4  10.244.1.7       ${daddr.padEnd(16)} 40000  443    4026532785`,
      );
    }
    const text = `${lines.join('\n')}\n`;
    const summary = aggregate(text, true);
    expect(summary.sources[0]?.connects).toBe(70_000);
    expect(summary).toEqual(aggregate(text, false));
  });
});

describe('the embedded kernel', () => {
  it('is built from the AssemblyScript source as it stands', () => {
    expect(() =>
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-wasm.js'), '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  }, 60_000);
});
