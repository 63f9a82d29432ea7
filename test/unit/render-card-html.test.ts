import { renderCard, CARD_MAX_BYTES, teamsEnvelope } from '../../src/core/render-card';
import { cardProblems } from '../helpers/adaptive-card';
import { renderHtml } from '../../src/core/render-html';
import type { Finding, RankedPod } from '../../src/core/finding';

function pod(rank: number, name: string, publicEstablished: number): RankedPod {
  return {
    namespace: 'shop',
    name,
    rank,
    hostNetwork: false,
    established: publicEstablished + 5,
    publicEstablished,
    tracedConnects: 10,
    tracedPublicConnects: 8,
    topDestinations: [
      { daddr: '20.50.2.10', dport: 443, connects: 8, established: publicEstablished, public: true },
    ],
    evidence: [`${publicEstablished} of ${publicEstablished + 5} ESTABLISHED connections go to public IPs`],
  };
}

const finding: Finding = {
  schemaVersion: 1,
  status: 'complete',
  cluster: {
    id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod',
    name: 'prod',
  },
  node: { name: 'aks-nodepool1-12345678-vmss000000', ip: '10.224.0.4' },
  trace: null,
  pods: Array.from({ length: 250 }, (_, i) => pod(i + 1, `checkout-${i}<script>`, 300 - i)),
  culprit: { namespace: 'shop', name: 'checkout-0<script>' },
  snat: {
    allocatedPorts: 1024,
    usedPorts: 1000,
    failedConnections: 12,
    portsPerNode: 1024,
    outboundIps: 1,
    maxNodes: 62,
    nodeCount: 3,
  },
  recommendations: [{ id: 'connection-pooling', text: 'Reuse connections in shop/checkout-0.' }],
  warnings: ['tcptracer lost 9 samples: traced counts are lower bounds'],
  archive: {
    location:
      'https://example.blob.core.windows.net/snat/prod/aks-nodepool1-12345678-vmss000000/20261122T010203Z-abc/',
  },
};

describe('renderCard', () => {
  const card = renderCard(finding);

  it('is an Adaptive Card 1.5 the adaptivecards parser takes without a complaint', () => {
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(cardProblems(card)).toEqual([]);
    // ... which does complain about a bad one:
    expect(cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Bogus' }] })).toEqual([
      'parse: Unknown element type "Bogus". Fallback will be used if present.',
    ]);
  });

  it('fits the Teams limit in its envelope for a node with 250 pods, in full detail', () => {
    const size = Buffer.byteLength(JSON.stringify(teamsEnvelope(card)));
    expect(size).toBeLessThan(CARD_MAX_BYTES);
    expect(size).toBeGreaterThan(3000); // the five pods, their destinations and the advice are all there
    const table = (card.body as Array<Record<string, unknown>>).find((e) => e.type === 'Table') as {
      rows: { cells: { items: { text: string }[] }[] }[];
    };
    expect(table.rows[1]?.cells.map((c) => c.items[0]?.text)).toEqual([
      '1',
      'shop/checkout-0<script>',
      '300',
      '-',
      '20.50.2.10:443',
    ]);
  });

  it('trims, never fails, when the finding is far too big for a card', () => {
    const huge: Finding = {
      ...finding,
      pods: finding.pods.map((p) => ({ ...p, evidence: Array.from({ length: 50 }, () => 'x'.repeat(2000)) })),
      recommendations: Array.from({ length: 40 }, (_, i) => ({
        id: 'connection-pooling' as const,
        text: `${i} ${'y'.repeat(3000)}`,
      })),
      warnings: Array.from({ length: 500 }, (_, i) => `warning ${i} ${'z'.repeat(1000)}`),
    };
    const trimmed = renderCard(huge);
    expect(Buffer.byteLength(JSON.stringify(teamsEnvelope(trimmed)))).toBeLessThan(CARD_MAX_BYTES);
    expect(cardProblems(trimmed)).toEqual([]);
    expect(JSON.stringify(trimmed)).toContain('shop/checkout-0<script>');
  });

  it('tells how to run it again', () => {
    expect(JSON.stringify(card)).toContain(
      'Rerun: POST /api/investigations {\\"clusterResourceId\\": \\"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod\\", \\"nodeIp\\": \\"10.224.0.4\\", \\"force\\": true}',
    );
  });

  it('names the culprit first and links the archive', () => {
    expect(JSON.stringify(card)).toContain('Culprit: **shop/checkout-0<script>**');
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Raw evidence', url: finding.archive?.location },
    ]);
  });

  it('shows the top five pods only', () => {
    const table = (card.body as Array<Record<string, unknown>>).find((e) => e.type === 'Table') as {
      rows: unknown[];
    };
    expect(table.rows).toHaveLength(6);
  });
});

describe('renderHtml', () => {
  it('escapes what comes from the cluster', () => {
    const html = renderHtml(finding);
    expect(html).toContain('checkout-0&lt;script&gt;');
    expect(html).not.toContain('checkout-0<script>');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(
      '<p><strong>SNAT ports:</strong> 1000 used of 1024 allocated, 12 failed connections</p>',
    );
  });
});

describe('renderHtml: charts and the inlined card', () => {
  const withSeries: Finding = {
    ...finding,
    snat: {
      ...(finding.snat as NonNullable<Finding['snat']>),
      usedOverTime: [
        { at: '2026-11-22T09:45:00.000Z', used: 200 },
        { at: '2026-11-22T09:46:00.000Z', used: 600 },
        { at: '2026-11-22T09:47:00.000Z', used: 1000 },
      ],
    },
  };

  it('draws public ESTABLISHED per pod (15 at most, the culprit in red) and SNAT use over time', () => {
    const html = renderHtml(withSeries);
    expect(html.match(/<rect /g)).toHaveLength(15);
    expect(html).toContain('fill="#c50f1f"><title>300</title>');
    expect(html).toMatch(/<polyline points="50,\d+ 380,\d+ 710,\d+"/);
    expect(html).toContain('09:45 UTC');
    expect(html).toContain("default-src 'none'");
  });

  it('inlines the renderer and the card without letting either close the script early', () => {
    const html = renderHtml(withSeries, {
      card: {
        json: { type: 'AdaptiveCard', body: [{ type: 'TextBlock', text: '</script><b>x' }] },
        renderer: 'var a = "</SCRIPT>";',
      },
    });
    const scripts = html
      .split('<script>')
      .slice(1)
      .map((s) => s.slice(0, s.indexOf('</script>')));
    expect(scripts).toHaveLength(2);
    expect(scripts[0]).toBe('var a = "<\\/SCRIPT>";');
    expect(scripts[1]).toContain('"text":"<\\/script><b>x"');
  });
});
