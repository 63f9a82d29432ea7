import { culpritOf } from './culprit';
import type { Finding, RankedPod } from './finding';
import { formatEndpoint } from './ip-address';

/** Rows of the ranking the card shows; the archive holds them all. */
const CARD_PODS = 5;
/** Teams refuses cards over 28 KB; stay well under. */
export const CARD_MAX_BYTES = 26 * 1024;

type Element = Record<string, unknown>;

function text(value: string, extra: Element = {}): Element {
  return { type: 'TextBlock', text: value, wrap: true, ...extra };
}

function count(value: number | null): string {
  return value === null ? '?' : String(value);
}

function podRow(pod: RankedPod): Element {
  const top = pod.topDestinations.find((d) => d.public);
  const cells = [
    String(pod.rank),
    `${pod.namespace}/${pod.name}${pod.hostNetwork ? ' (host)' : ''}`,
    count(pod.publicEstablished),
    String(pod.tracedPublicConnects),
    top === undefined ? '-' : formatEndpoint(top.daddr, top.dport),
  ];
  return { type: 'TableRow', cells: cells.map((cell) => ({ type: 'TableCell', items: [text(cell)] })) };
}

/**
 * The finding as an Adaptive Card 1.5 for a Teams Workflows webhook: the answer first, the evidence
 * behind it, the advice, and a link to the archived raw evidence. A pure function of the Finding.
 */
export function renderCard(finding: Finding): Element {
  const culprit = culpritOf(finding);
  const where = [
    finding.cluster?.name,
    finding.node === null ? null : `${finding.node.name || finding.node.ip}`,
  ]
    .filter((part) => part !== null && part !== undefined && part !== '')
    .join(' / ');
  const body: Element[] = [
    text(`SNAT exhaustion: ${where || 'investigation'}`, { size: 'Large', weight: 'Bolder' }),
    text(`Status: ${finding.status}`, { isSubtle: true, spacing: 'None' }),
  ];
  if (culprit !== undefined) {
    body.push(
      text(`Culprit: **${culprit.namespace}/${culprit.name}**`, { size: 'Medium', color: 'Attention' }),
      { type: 'FactSet', facts: culprit.evidence.map((e, i) => ({ title: i === 0 ? 'Why' : '', value: e })) },
    );
  } else {
    body.push(
      text(
        finding.status === 'failed' ? 'No investigation: see below.' : 'No pod uses SNAT ports on this node.',
      ),
    );
  }
  if (finding.snat !== null) {
    body.push({
      type: 'FactSet',
      facts: [
        { title: 'SNAT ports used', value: `${finding.snat.usedPorts} of ${finding.snat.allocatedPorts}` },
        { title: 'Failed connections', value: String(finding.snat.failedConnections) },
      ],
    });
  }
  if (finding.pods.length > 0) {
    body.push({
      type: 'Table',
      firstRowAsHeaders: true,
      columns: [{ width: 1 }, { width: 6 }, { width: 2 }, { width: 2 }, { width: 4 }],
      rows: [
        {
          type: 'TableRow',
          cells: ['#', 'Pod', 'Public EST', 'Public connects', 'Top destination'].map((h) => ({
            type: 'TableCell',
            items: [text(h, { weight: 'Bolder' })],
          })),
        },
        ...finding.pods.slice(0, CARD_PODS).map(podRow),
      ],
    });
  }
  if (finding.recommendations.length > 0) {
    body.push(
      text('Recommendations', { weight: 'Bolder' }),
      ...finding.recommendations.map((r) => text(`- ${r.text}`)),
    );
  }
  if (finding.warnings.length > 0) {
    body.push(
      text('Warnings', { weight: 'Bolder' }),
      ...finding.warnings.slice(0, 5).map((w) => text(`- ${w}`, { isSubtle: true })),
    );
  }
  const card: Element = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.5',
    body,
  };
  if (finding.archive !== null && /^https?:\/\//.test(finding.archive.location)) {
    card.actions = [{ type: 'Action.OpenUrl', title: 'Raw evidence', url: finding.archive.location }];
  } else if (finding.archive !== null) {
    body.push(text(`Evidence: ${finding.archive.location}`, { isSubtle: true }));
  }
  return card;
}
