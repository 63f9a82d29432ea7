import { culpritOf } from './culprit';
import type { Finding } from './finding';
import { formatEndpoint } from './ip-address';
import { renderText } from './render-text';

function escape(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function cell(value: string | number | null, tag = 'td'): string {
  return `<${tag}>${escape(value === null ? '?' : String(value))}</${tag}>`;
}

/** The finding as one self-contained HTML page (no script, no external resource), archived beside the raw files. */
export function renderHtml(finding: Finding): string {
  const culprit = culpritOf(finding);
  const title =
    `SNAT finding: ${finding.cluster?.name ?? ''} ${finding.node?.name ?? finding.node?.ip ?? ''}`.trim();
  const rows = finding.pods
    .map((pod) => {
      const top = pod.topDestinations.find((d) => d.public);
      return `<tr${pod === culprit ? ' class="culprit"' : ''}>${[
        cell(pod.rank),
        cell(`${pod.namespace}/${pod.name}${pod.hostNetwork ? ' (hostNetwork)' : ''}`),
        cell(pod.publicEstablished),
        cell(pod.established),
        cell(pod.tracedPublicConnects),
        cell(pod.tracedConnects),
        cell(top === undefined ? '-' : formatEndpoint(top.daddr, top.dport)),
      ].join('')}</tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1b1b1b}
h1{font-size:1.4em} .status{color:#555} .culprit td{background:#fde7e9;font-weight:600}
table{border-collapse:collapse;margin:1em 0} th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}
td:nth-child(n+3):not(:last-child){text-align:right} pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}
</style></head><body>
<h1>${escape(title)}</h1>
<p class="status">Status: ${escape(finding.status)}</p>
<p><strong>Culprit:</strong> ${culprit === undefined ? 'none found' : escape(`${culprit.namespace}/${culprit.name}`)}</p>
${culprit === undefined ? '' : `<ul>${culprit.evidence.map((e) => `<li>${escape(e)}</li>`).join('')}</ul>`}
${
  finding.snat === null
    ? ''
    : `<p><strong>SNAT ports:</strong> ${escape(`${finding.snat.usedPorts} used of ${finding.snat.allocatedPorts} allocated, ${finding.snat.failedConnections} failed connections`)}</p>`
}
<table><thead><tr>${['#', 'Pod', 'Public EST', 'EST', 'Public connects', 'Connects', 'Top public destination'].map((h) => cell(h, 'th')).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table>
${finding.recommendations.length === 0 ? '' : `<h2>Recommendations</h2><ul>${finding.recommendations.map((r) => `<li>${escape(r.text)}</li>`).join('')}</ul>`}
${finding.warnings.length === 0 ? '' : `<h2>Warnings</h2><ul>${finding.warnings.map((w) => `<li>${escape(w)}</li>`).join('')}</ul>`}
<h2>Full report</h2>
<pre>${escape(renderText(finding))}</pre>
</body></html>
`;
}
