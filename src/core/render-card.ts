import { culpritOf } from './culprit';
import type { Finding, RankedPod } from './finding';
import { formatEndpoint } from './ip-address';
import { formatRate } from './rank-pods';

/** Rows of the ranking the card shows; the archive holds them all. */
const CARD_PODS = 5;
/** Teams refuses messages over 28 KB; the card's envelope stays well under. */
export const CARD_MAX_BYTES = 26 * 1024;

type Element = Record<string, unknown>;

function text(value: string, extra: Element = {}): Element {
  return { type: 'TextBlock', text: value, wrap: true, ...extra };
}

function count(value: number | null): string {
  return value === null ? '?' : String(value);
}

function rate(connects: number, seconds: number | null): string {
  return seconds === null || seconds <= 0 ? '-' : formatRate(connects / seconds);
}

function podRow(pod: RankedPod, traceSeconds: number | null, destinations: number): Element {
  const top = pod.topDestinations
    .filter((d) => d.public)
    .slice(0, destinations)
    .map((d) => formatEndpoint(d.daddr, d.dport));
  const cells = [
    String(pod.rank),
    `${pod.namespace}/${pod.name}${pod.hostNetwork ? ' (host)' : ''}`,
    count(pod.publicEstablished),
    rate(pod.tracedConnects, traceSeconds),
    top.length === 0 ? '-' : top.join(', '),
  ];
  return { type: 'TableRow', cells: cells.map((cell) => ({ type: 'TableCell', items: [text(cell)] })) };
}

/** How much of the finding a card shows; trimmed step by step until the card fits. */
interface CardDetail {
  readonly pods: number;
  readonly destinations: number;
  readonly evidence: number;
  readonly warnings: number;
  /** Longest text kept in full. */
  readonly textChars: number;
}

const DETAIL: readonly CardDetail[] = [
  { pods: CARD_PODS, destinations: 3, evidence: 6, warnings: 5, textChars: 600 },
  { pods: CARD_PODS, destinations: 1, evidence: 4, warnings: 3, textChars: 300 },
  { pods: 3, destinations: 1, evidence: 2, warnings: 1, textChars: 160 },
  { pods: 1, destinations: 0, evidence: 1, warnings: 0, textChars: 100 },
];

function clip(value: string, chars: number): string {
  return value.length <= chars ? value : `${value.slice(0, chars - 1)}…`;
}

/**
 * The finding as an Adaptive Card 1.5 for a Teams Workflows webhook: the answer first, the evidence
 * behind it, the advice, a link to the archived raw evidence and how to run it again. A pure function of
 * the Finding; always under CARD_MAX_BYTES in its envelope (less detail, never a failure).
 */
export function renderCard(finding: Finding): Element {
  for (const detail of DETAIL) {
    const card = cardWith(finding, detail);
    if (Buffer.byteLength(JSON.stringify(teamsEnvelope(card))) <= CARD_MAX_BYTES) return card;
  }
  return minimalCard(finding);
}

/** The Teams Workflows webhook's message: one Adaptive Card attachment. */
export function teamsEnvelope(card: Element): Element {
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

/** The last resort: names, status and the link, every text clipped. */
function minimalCard(finding: Finding): Element {
  const culprit = finding.culprit === null ? 'none' : `${finding.culprit.namespace}/${finding.culprit.name}`;
  const card: Element = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.5',
    body: [
      text(
        clip(
          `SNAT exhaustion: ${finding.cluster?.name ?? ''} / ${finding.node?.name || finding.node?.ip || ''}`,
          200,
        ),
        {
          weight: 'Bolder',
        },
      ),
      text(clip(`Status: ${finding.status}; culprit: ${culprit}`, 600)),
      text('The card was cut to fit Teams: the archive holds the whole finding.', { isSubtle: true }),
    ],
  };
  if (
    finding.archive !== null &&
    /^https?:\/\//.test(finding.archive.location) &&
    finding.archive.location.length < 2048
  ) {
    card.actions = [{ type: 'Action.OpenUrl', title: 'Raw evidence', url: finding.archive.location }];
  }
  return card;
}

function cardWith(finding: Finding, detail: CardDetail): Element {
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
      {
        type: 'FactSet',
        facts: culprit.evidence
          .slice(0, detail.evidence)
          .map((e, i) => ({ title: i === 0 ? 'Why' : '', value: clip(e, detail.textChars) })),
      },
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
        {
          title: 'SNAT ports used',
          value: `${finding.snat.usedPorts} of ${finding.snat.allocatedPorts} allocated (${
            finding.snat.allocatedPorts > 0
              ? Math.round((100 * finding.snat.usedPorts) / finding.snat.allocatedPorts)
              : 0
          }%)`,
        },
        { title: 'Failed connections', value: String(finding.snat.failedConnections) },
        ...(finding.snat.maxNodes === null
          ? []
          : [
              {
                title: 'Node budget',
                value: `${finding.snat.nodeCount} nodes of at most ${finding.snat.maxNodes} at ${finding.snat.portsPerNode} ports each`,
              },
            ]),
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
          cells: ['#', 'Pod', 'Public EST', 'Connects/s', 'Top public destinations'].map((h) => ({
            type: 'TableCell',
            items: [text(h, { weight: 'Bolder' })],
          })),
        },
        ...finding.pods
          .slice(0, detail.pods)
          .map((pod) => podRow(pod, finding.trace?.durationSeconds ?? null, detail.destinations)),
      ],
    });
  }
  if (finding.recommendations.length > 0) {
    body.push(
      text('Recommendations', { weight: 'Bolder' }),
      ...finding.recommendations.map((r) => text(`- ${clip(r.text, detail.textChars)}`)),
    );
  }
  if (finding.warnings.length > 0) {
    body.push(
      text('Warnings', { weight: 'Bolder' }),
      ...finding.warnings
        .slice(0, detail.warnings)
        .map((w) => text(`- ${clip(w, detail.textChars)}`, { isSubtle: true })),
    );
    if (finding.warnings.length > detail.warnings) {
      body.push(
        text(`and ${finding.warnings.length - detail.warnings} more in finding.json`, { isSubtle: true }),
      );
    }
  }
  if (finding.cluster !== null && finding.node !== null) {
    const node =
      finding.node.ip !== '' ? `"nodeIp": "${finding.node.ip}"` : `"nodeName": "${finding.node.name}"`;
    body.push(
      text(
        `Rerun: POST /api/investigations {"clusterResourceId": "${clip(finding.cluster.id, 300)}", ${node}, "force": true}`,
        { isSubtle: true, size: 'Small', fontType: 'Monospace' },
      ),
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
