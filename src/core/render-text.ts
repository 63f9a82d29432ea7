import { culpritOf } from './culprit';
import type { Finding, FindingTraceSource, RankedPod } from './finding';
import { formatEndpoint } from './ip-address';

/** How many rows the terminal table shows; finding.json keeps them all. */
const MAX_ROWS = 15;

/** Lays out rows under a header; columns listed in `right` are right-aligned (numbers). */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number>,
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function count(value: number | null): string {
  return value === null ? '?' : String(value);
}

function podRows(pods: readonly RankedPod[]): string[][] {
  return pods.slice(0, MAX_ROWS).map((pod) => {
    const top = pod.topDestinations.find((d) => d.public);
    return [
      String(pod.rank),
      `${pod.namespace}/${pod.name}${pod.hostNetwork ? ' (hostNetwork)' : ''}`,
      count(pod.publicEstablished),
      count(pod.established),
      String(pod.tracedPublicConnects),
      String(pod.tracedConnects),
      top === undefined ? '-' : formatEndpoint(top.daddr, top.dport),
    ];
  });
}

function sourceRows(sources: readonly FindingTraceSource[]): string[][] {
  return sources.slice(0, MAX_ROWS).map((source) => {
    const top = source.topDestinations[0];
    return [
      source.saddr,
      source.netns === null ? '-' : String(source.netns),
      source.pod === null ? '-' : `${source.pod.namespace}/${source.pod.name}`,
      String(source.connects),
      String(source.publicConnects),
      source.connectsPerSecond === null ? '-' : String(source.connectsPerSecond),
      top === undefined ? '-' : `${formatEndpoint(top.daddr, top.dport)} (${top.connects})`,
    ];
  });
}

function more(total: number): string[] {
  return total > MAX_ROWS ? [`  … ${total - MAX_ROWS} more in the JSON (--json)`] : [];
}

/** The Finding as the terminal shows it: the answer first, then the evidence behind it. */
export function renderText(finding: Finding): string {
  const out: string[] = [];
  const where = [
    finding.node === null ? null : `node ${finding.node.name} (${finding.node.ip})`,
    finding.cluster === null ? null : `cluster ${finding.cluster.name}`,
  ].filter((part) => part !== null);
  out.push(`SNAT finding: ${finding.status}${where.length > 0 ? ` · ${where.join(' · ')}` : ''}`);

  const culprit = culpritOf(finding);
  if (culprit !== undefined) {
    out.push(
      `Culprit: ${culprit.namespace}/${culprit.name} — ${count(culprit.publicEstablished)} ESTABLISHED to public IPs, ` +
        `${culprit.tracedPublicConnects} public connects traced`,
    );
  } else {
    out.push('Culprit: none found');
  }

  if (finding.snat !== null) {
    const s = finding.snat;
    out.push(
      `SNAT ports: ${s.usedPorts} used of ${s.allocatedPorts} allocated, ${s.failedConnections} failed connections` +
        (s.portsPerNode === null ? '' : ` · ${s.portsPerNode} ports per node`),
    );
  }

  if (finding.pods.length > 0) {
    out.push('', 'Pods, ranked:');
    const header = ['#', 'POD', 'PUBLIC EST', 'EST', 'PUBLIC CONNECTS', 'CONNECTS', 'TOP PUBLIC DESTINATION'];
    out.push(...table(header, podRows(finding.pods), new Set([0, 2, 3, 4, 5])).map((l) => `  ${l}`));
    out.push(...more(finding.pods.length));
    if (culprit !== undefined && culprit.evidence.length > 0) {
      out.push('', `Why ${culprit.namespace}/${culprit.name}:`, ...culprit.evidence.map((e) => `  - ${e}`));
    }
  }

  if (finding.trace !== null) {
    const t = finding.trace;
    const total = t.events.connect + t.events.accept + t.events.close + t.events.unknown;
    // The window the debug pod timed (banner to stop) when there was one, else the events' own span.
    const compile =
      t.startupSeconds === undefined || t.startupSeconds === null
        ? ''
        : `, after a ${t.startupSeconds} s BPF compile`;
    const span =
      t.windowSeconds !== undefined && t.windowSeconds !== null
        ? ` in ${t.windowSeconds} s of tracing${compile}`
        : t.durationSeconds === null
          ? ''
          : ` over ${t.durationSeconds} s`;
    out.push(
      '',
      `Trace: ${total} events${span} (${t.events.connect} connect, ${t.events.accept} accept, ${t.events.close} close, ` +
        `${t.events.unknown} unknown), ${t.lostSamples} samples lost, ${t.skippedLines} lines skipped`,
    );
    if (t.sources.length > 0) {
      const header = ['SADDR', 'NETNS', 'POD', 'CONNECTS', 'PUBLIC', 'PER S', 'TOP DESTINATION (CONNECTS)'];
      out.push(...table(header, sourceRows(t.sources), new Set([3, 4, 5])).map((l) => `  ${l}`));
      out.push(...more(t.sources.length));
    }
  }

  if (finding.recommendations.length > 0) {
    out.push('', 'Recommendations:', ...finding.recommendations.map((r) => `  - [${r.id}] ${r.text}`));
  }
  if (finding.warnings.length > 0) {
    out.push('', 'Warnings:', ...finding.warnings.map((w) => `  - ${w}`));
  }
  if (finding.archive !== null)
    out.push('', `Evidence (finding.json, report.html, card.json, raw outputs): ${finding.archive.location}`);
  return `${out.join('\n')}\n`;
}
