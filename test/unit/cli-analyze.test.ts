import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { Finding } from '../../src/core/finding';
import { samplePath } from '../helpers/samples';

const FIXTURES = join(__dirname, '..', 'fixtures', 'analyze');
const fixture = (name: string) => join(FIXTURES, name);

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  // No case here expects an operational failure: when one happens, its message is the test's failure.
  if (code === 1) throw new Error(`aks-snat exited 1: ${stderr}`);
  return { code, stdout, stderr };
}

const SOCKETS = [
  '--sockets',
  `shop/checkout-5d8f7=${fixture('checkout-netstat.txt')}`,
  '--sockets',
  `shop/cart-7c9d4=${fixture('cart-ss.txt')}`,
  '--sockets',
  `data/ingest-6f5b4=${fixture('ingest-ss-established.txt')}`,
];

describe('aks-snat analyze', () => {
  it('ranks the pods from hand-saved netstat and ss outputs against the trace', async () => {
    const { code, stdout, stderr } = await run(
      'analyze',
      '--trace',
      samplePath('tcptracer-t4v.txt'),
      ...SOCKETS,
      '--json',
    );
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const finding = JSON.parse(stdout) as Finding;
    expect(finding.status).toBe('complete');
    expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
    expect(
      finding.pods.map((p) => [
        p.rank,
        p.name,
        p.publicEstablished,
        p.established,
        p.tracedPublicConnects,
        p.tracedConnects,
      ]),
    ).toEqual([
      [1, 'checkout-5d8f7', 8, 10, 16, 17],
      [2, 'ingest-6f5b4', 2, 2, 4, 6],
      [3, 'cart-7c9d4', 0, 5, 0, 3],
    ]);
    expect(finding.trace?.sources.map((s) => s.pod?.name ?? null)).toEqual([
      'checkout-5d8f7',
      'ingest-6f5b4',
      null,
      null,
      'cart-7c9d4',
      null,
    ]);
  });

  it('prints a ranked table without --json', async () => {
    const { code, stdout } = await run('analyze', '--trace', samplePath('tcptracer-t4v.txt'), ...SOCKETS);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'Culprit: shop/checkout-5d8f7 — 8 ESTABLISHED to public IPs, 16 public connects traced',
    );
    expect(stdout).toContain(
      '  1  shop/checkout-5d8f7           8   10               16        17  40.126.32.134:5432',
    );
    expect(stdout).toMatchSnapshot();
  });

  it('treats a --private-cidr as not public', async () => {
    const { stdout } = await run(
      'analyze',
      '--trace',
      samplePath('tcptracer-t4v.txt'),
      '--private-cidr',
      '40.126.0.0/16',
      '--private-cidr',
      '52.239.148.0/24',
      '--json',
      ...SOCKETS,
    );
    const finding = JSON.parse(stdout) as Finding;
    expect(finding.pods[0]).toMatchObject({ name: 'ingest-6f5b4', publicEstablished: 2 });
    expect(finding.pods.find((p) => p.name === 'checkout-5d8f7')?.publicEstablished).toBe(0);
  });

  it.each([
    [
      ['analyze'],
      'aks-snat analyze: --trace FILE is required (usage: aks-snat analyze --trace FILE [--sockets NS/POD=FILE]... [--private-cidr CIDR]... [--json])',
    ],
    [
      ['analyze', '--trace', '/no/such/trace.log'],
      'aks-snat analyze: --trace file not found: /no/such/trace.log',
    ],
    [['analyze', '--trace', FIXTURES], `aks-snat analyze: --trace file is not a file: ${FIXTURES}`],
    [
      ['analyze', '--trace', fixture('not-a-table.txt')],
      `aks-snat analyze: --trace file is not tcptracer output: ${fixture('not-a-table.txt')}`,
    ],
    [
      ['analyze', '--trace', samplePath('tcptracer-t4v.txt'), '--private-cidr', '10.0.0.0/33'],
      "aks-snat analyze: not a CIDR: '10.0.0.0/33' (expected e.g. 10.0.0.0/8 or fd00::/8)",
    ],
    [
      ['analyze', '--trace', samplePath('tcptracer-t4v.txt'), '--sockets', 'checkout.txt'],
      "aks-snat analyze: --sockets 'checkout.txt' is not NS/POD=FILE",
    ],
    [
      ['analyze', '--trace', samplePath('tcptracer-t4v.txt'), '--sockets', 'Shop/x=f'],
      "aks-snat analyze: --sockets 'Shop/x=f': 'Shop' is not a namespace name",
    ],
    [
      ['analyze', '--trace', samplePath('tcptracer-t4v.txt'), '--sockets', 'shop/x=/no/file'],
      'aks-snat analyze: --sockets shop/x file not found: /no/file',
    ],
    [
      [
        'analyze',
        '--trace',
        samplePath('tcptracer-t4v.txt'),
        '--sockets',
        `shop/x=${fixture('not-a-table.txt')}`,
      ],
      `aks-snat analyze: --sockets shop/x: ${fixture('not-a-table.txt')}: unknown socket table format (expected netstat -ptn, ss -tnp or /proc/net/tcp output)`,
    ],
    [
      ['analyze', '--trace', samplePath('tcptracer-t4v.txt'), '--sockets', 'a/b=x', '--sockets', 'a/b=y'],
      'aks-snat analyze: --sockets: a/b is given twice',
    ],
    [
      ['analyze', '--trace', samplePath('tcptracer-t4v.txt'), '--bogus'],
      "aks-snat analyze: Unknown option '--bogus'",
    ],
    [['frobnicate'], "aks-snat: unknown command 'frobnicate'"],
  ])('exits 2 with one line for %j', async (argv, message) => {
    const { code, stdout, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toBe(message);
  });

  it('accepts an empty trace that is still tcptracer output (a quiet node)', async () => {
    const { code, stdout } = await run(
      'analyze',
      '--trace',
      fixture('../../fixtures/analyze/quiet-trace.txt'),
      '--json',
    );
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as Finding).trace?.events).toEqual({
      connect: 0,
      accept: 0,
      close: 0,
      unknown: 0,
    });
    expect((JSON.parse(stdout) as Finding).status).toBe('complete');
  });

  it("says a trace with neither banner nor events did not run (what timeout's SIGTERM leaves of a buffered tracer)", async () => {
    const { code, stdout } = await run(
      'analyze',
      '--trace',
      fixture('../../fixtures/analyze/empty-trace.txt'),
      '--json',
    );
    expect(code).toBe(0);
    const finding = JSON.parse(stdout) as Finding;
    expect(finding.status).toBe('partial');
    expect(finding.warnings).toEqual([
      "the trace holds neither tcptracer's banner nor any event: tcptracer did not run (or its output was lost), which says nothing about the node's connections",
    ]);
  });
});
