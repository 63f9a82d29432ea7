import { culpritOf } from './culprit';
import { escapeHtml } from './escape-html';
import type { Finding } from './finding';
import { formatEndpoint } from './ip-address';
import { podsChart, snatChart } from './render-charts';
import { renderText } from './render-text';

function cell(value: string | number | null, tag = 'td'): string {
  return `<${tag}>${escapeHtml(value === null ? '?' : String(value))}</${tag}>`;
}

export interface HtmlOptions {
  /** The Adaptive Card as Teams gets it, and the adaptivecards library's single-file build to render it. */
  readonly card?: { readonly json: unknown; readonly renderer: string };
}

/** Inline script text: nothing in it may close the script element. */
function inlineScript(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/**
 * The finding as one self-contained HTML page, archived beside the raw files: charts as inline SVG and the
 * card rendered as Teams would, by the adaptivecards library inlined. A Content-Security-Policy forbids
 * every request, so it opens the same from Blob storage, a laptop or a mail attachment.
 */
export function renderHtml(finding: Finding, options: HtmlOptions = {}): string {
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
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1b1b1b}
h1{font-size:1.4em} .status{color:#555} .culprit td{background:#fde7e9;font-weight:600}
table{border-collapse:collapse;margin:1em 0} th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}
td:nth-child(n+3):not(:last-child){text-align:right} pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}
#card{max-width:560px;border:1px solid #ddd;border-radius:4px;padding:8px;margin:1em 0}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="status">Status: ${escapeHtml(finding.status)}</p>
<p><strong>Culprit:</strong> ${culprit === undefined ? 'none found' : escapeHtml(`${culprit.namespace}/${culprit.name}`)}</p>
${culprit === undefined ? '' : `<ul>${culprit.evidence.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`}
${
  finding.snat === null
    ? ''
    : `<p><strong>SNAT ports:</strong> ${escapeHtml(`${finding.snat.usedPorts} used of ${finding.snat.allocatedPorts} allocated, ${finding.snat.failedConnections} failed connections`)}</p>`
}
${snatChart(finding) === '' ? '' : `<h2>SNAT ports used, last 30 minutes</h2>\n${snatChart(finding)}`}
${podsChart(finding) === '' ? '' : `<h2>Public ESTABLISHED connections per pod</h2>\n${podsChart(finding)}`}
<h2>All pods</h2>
<table><thead><tr>${['#', 'Pod', 'Public EST', 'EST', 'Public connects', 'Connects', 'Top public destination'].map((h) => cell(h, 'th')).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table>
${finding.recommendations.length === 0 ? '' : `<h2>Recommendations</h2><ul>${finding.recommendations.map((r) => `<li>${escapeHtml(r.text)}</li>`).join('')}</ul>`}
${finding.warnings.length === 0 ? '' : `<h2>Warnings</h2><ul>${finding.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`}
${
  options.card === undefined
    ? ''
    : `<h2>The Teams card</h2>
<div id="card"></div>
<script>${inlineScript(options.card.renderer)}</script>
<script>(function(){var card=new AdaptiveCards.AdaptiveCard();card.parse(${inlineScript(JSON.stringify(options.card.json))});var el=card.render();if(el)document.getElementById('card').appendChild(el);})();</script>`
}
<h2>Full report</h2>
<pre>${escapeHtml(renderText(finding))}</pre>
</body></html>
`;
}
