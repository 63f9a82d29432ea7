import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTrace } from '../../bench/generate-trace';
import { aggregateTrace } from '../../src/core/aggregate-trace';
import { IpClassifier } from '../../src/core/classify-ip';
import type { Finding } from '../../src/core/finding';
import { samplePath } from '../helpers/samples';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'aks-snat.js');

/** The CLI as an engineer runs it: the compiled bin, in its own process, under this Node. */
function aksSnat(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
}

describe('bin/aks-snat.js (compiled)', () => {
  let dir: string;

  beforeAll(() => {
    execFileSync(process.execPath, [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'aks-snat-e2e-'));
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints only the Finding on stdout with --json, and exits 0', () => {
    const result = aksSnat('analyze', '--trace', samplePath('tcptracer-t4v.txt'), '--json');
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const finding = JSON.parse(result.stdout) as Finding;
    expect(finding.schemaVersion).toBe(1);
    expect(finding.trace?.sources[0]).toMatchObject({
      saddr: '10.244.1.7',
      netns: 4026532785,
      connects: 17,
      publicConnects: 16,
    });
  });

  it('exits 2 with one line on stderr for a missing file', () => {
    const result = aksSnat('analyze', '--trace', join(dir, 'missing.log'));
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`aks-snat analyze: --trace file not found: ${join(dir, 'missing.log')}\n`);
  });

  it('reads a trace on two threads with the same counts as one pass', async () => {
    const log = join(dir, 'large.log');
    generateTrace(log, 200_000, 7, 0.03);
    // The compiled reader, so that its worker script exists; a low threshold sends this log to two threads.
    const { readTraceFile } = (await import(
      join(ROOT, 'dist', 'src', 'cli', 'read-trace.js')
    )) as typeof import('../../src/cli/read-trace');
    const twoThreads = await readTraceFile(log, [], { parallelBytes: 1 });
    const onePass = aggregateTrace(readFileSync(log, 'utf8'), new IpClassifier());
    expect(twoThreads.events.connect).toBeGreaterThan(90_000);
    expect(twoThreads).toEqual(onePass);
  }, 60_000);

  it('analyzes a large trace through the bin, the same as in process', () => {
    const log = join(dir, 'large.log');
    const result = aksSnat('analyze', '--trace', log, '--json');
    expect(result.status).toBe(0);
    const finding = JSON.parse(result.stdout) as Finding;
    const onePass = aggregateTrace(readFileSync(log, 'utf8'), new IpClassifier());
    expect(finding.trace?.events).toEqual(onePass.events);
    expect(finding.trace?.sources).toEqual(
      onePass.sources.map(({ processes: _p, ...source }) => ({ ...source, pod: null })),
    );
  }, 60_000);

  it('demo: the compiled responder against the simulated cluster (in its own thread) writes the finding and its sinks', () => {
    const out = join(dir, 'demo');
    const result = aksSnat('demo', '--trace-seconds', '1', '--out', out, '--json');
    expect(result.stderr).toContain('tracing');
    expect(result.status).toBe(0);
    const finding = JSON.parse(result.stdout) as Finding;
    expect(finding.status).toBe('complete');
    expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
    expect(JSON.parse(readFileSync(join(out, 'finding.json'), 'utf8'))).toEqual(finding);
    expect(JSON.parse(readFileSync(join(out, 'card.json'), 'utf8'))).toMatchObject({
      type: 'AdaptiveCard',
      version: '1.5',
    });
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('shop/checkout-5d8f7');
    expect(readFileSync(join(out, 'trace.log'), 'utf8').split('\n')[0]).toBe(
      'Tracing TCP established connections. Ctrl-C to end.',
    );
    // A second run replaces the first; a folder of other files is refused, and nothing in it is touched.
    expect(aksSnat('demo', '--trace-seconds', '1', '--out', out, '--json').status).toBe(0);
    expect(aksSnat('demo', '--out', dir).stderr).toBe(
      `aks-snat demo: --out ${dir} holds files that are not an earlier demo's: choose an empty or new folder\n`,
    );
  }, 60_000);
});
