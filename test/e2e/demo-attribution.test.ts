import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, type Scenario } from '../../src/sim/scenario';
import { figures, investigateSim } from '../helpers/sim-investigation';

const SCENARIOS = join(__dirname, '..', 'fixtures', 'scenarios');

const run = (scenario: Scenario, nodeIp?: string) =>
  investigateSim(scenario, nodeIp === undefined ? {} : { nodeIp });

function scenario(file: string): Scenario {
  return parseScenario(readFileSync(join(SCENARIOS, file), 'utf8'));
}

describe('a dual-stack Java pod: what tcptracer cannot see is said', () => {
  it('counts its IPv4 churn by the closes tcptracer prints, and warns that their connects are not traced', async () => {
    const { finding } = await run(scenario('dual-stack-culprit.json'));
    const ledger = finding.trace?.sources.find((s) => s.saddr === '10.244.1.20');
    // 20 dual-stack connects/s for 2 s, each closed 5-250 ms later: the closes inside the window.
    expect(ledger?.connects).toBe(4); // its database, over a plain IPv4 socket: 2/s
    expect(ledger?.mappedCloses).toBeGreaterThan(30);
    expect(ledger?.mappedCloses).toBeLessThanOrEqual(40);
    expect(finding.warnings).toContain(
      `${ledger?.mappedCloses} dual-stack (AF_INET6) connections to IPv4 addresses were traced by their closes only (payments/ledger-7f9c2: ${ledger?.mappedCloses}): tcptracer prints no connect for them (their tuple goes to its IPv4 map, and the socket is IPv6), so their connects are not counted; count their closes as their churn`,
    );
  }, 30_000);
});

describe('the responder against the simulated cluster: every attribution case', () => {
  it.each([
    [
      'hostnetwork-culprit.json',
      'monitoring/log-forwarder-q8w7e',
      [155, 150, 54, 50],
      ['kube-system/kube-proxy-x7k2p', [2, 2, 1, 1]],
    ],
    ['private-decoy.json', 'shop/checkout-5d8f7', [120, 120, 30, 30], ['shop/cart-7c9d4', [450, 0, 256, 0]]],
    [
      'distroless-culprit.json',
      'shop/payments-6b9f2',
      [228, 220, 64, 60],
      ['shop/cart-7c9d4', [60, 60, 20, 20]],
    ],
    [
      'multi-container-culprit.json',
      'shop/frontend-8c7d5',
      [210, 180, 70, 60],
      ['shop/checkout-5d8f7', [150, 150, 24, 24]],
    ],
    // A dual-stack pod on Azure Linux: a Java AF_INET6 socket's IPv4 traffic ([::ffff:20.60.1.1]), IPv6
    // traffic and a private IPv4 database, one pod whatever the family. Its ESTABLISHED make it the
    // culprit; tcptracer prints no connect for the dual-stack socket (bcc's maps), so its traced connects
    // are the IPv6 and database ones only, and the finding says so (see below).
    [
      'dual-stack-culprit.json',
      'payments/ledger-7f9c2',
      [200, 190, 14, 10],
      ['shop/checkout-5d8f7', [60, 60, 20, 20]],
    ],
    // tcptracer -tv traces IPv6 connects too: under -4 the culprit's were 0 and 0.
    ['ipv6-culprit.json', 'data/ingest-6f5b4', [210, 200, 68, 60], ['shop/checkout-5d8f7', [50, 50, 40, 40]]],
  ] as const)(
    '%s: %s is the culprit, with exact counts',
    async (file, culprit, counts, [other, otherCounts]) => {
      const { finding, archive } = await run(scenario(file));
      expect(finding.status).toBe('complete');
      expect(finding.culprit).toEqual({ namespace: culprit.split('/')[0], name: culprit.split('/')[1] });
      expect(figures(finding, culprit)).toEqual(counts);
      expect(figures(finding, other)).toEqual(otherCounts);
      expect(archive).toEqual(
        expect.arrayContaining([
          'trace.log',
          'correlation/lsns.json',
          'correlation/pstree.txt',
          'finding.json',
          'report.html',
          'card.json',
        ]),
      );
    },
    60_000,
  );

  it('fails, naming the IP, when the alert names a node the cluster does not have', async () => {
    const { finding } = await run(scenario('private-decoy.json'), '10.224.0.99');
    expect(finding.status).toBe('failed');
    expect(finding.node).toEqual({ name: '', ip: '10.224.0.99' });
    expect(finding.warnings).toEqual(['no node of cluster aks-demo has InternalIP 10.224.0.99']);
    expect(finding.culprit).toBeNull();
  }, 60_000);
});
