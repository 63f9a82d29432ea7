import { escapeHtml } from './escape-html';
import type { Finding } from './finding';

/** Pods the bar chart shows; the table below it has them all. */
const CHART_PODS = 15;

/**
 * Public ESTABLISHED per pod, the busiest first, as inline SVG: the culprit's bar stands out. Empty when no
 * pod has a socket table.
 */
export function podsChart(finding: Finding): string {
  const pods = finding.pods.filter((p) => p.publicEstablished !== null).slice(0, CHART_PODS);
  if (pods.length === 0) return '';
  const max = Math.max(1, ...pods.map((p) => p.publicEstablished ?? 0));
  const row = 22;
  const label = 300;
  const width = 720;
  const bars = pods
    .map((pod, i) => {
      const value = pod.publicEstablished ?? 0;
      const length = Math.round(((width - label - 60) * value) / max);
      const culprit = finding.culprit?.namespace === pod.namespace && finding.culprit.name === pod.name;
      const y = i * row;
      return (
        `<text x="${label - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(`${pod.namespace}/${pod.name}`)}</text>` +
        `<rect x="${label}" y="${y + 3}" width="${Math.max(length, 1)}" height="${row - 6}" fill="${culprit ? '#c50f1f' : '#4f6bed'}"><title>${value}</title></rect>` +
        `<text x="${label + Math.max(length, 1) + 6}" y="${y + 15}">${value}</text>`
      );
    })
    .join('');
  return `<svg id="pods-chart" role="img" aria-label="Public ESTABLISHED connections per pod" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${pods.length * row}" font-size="12">${bars}</svg>`;
}

/** UsedSnatPorts per minute against the allocation, as inline SVG. Empty without the metric series. */
export function snatChart(finding: Finding): string {
  const points = finding.snat?.usedOverTime ?? [];
  if (finding.snat === null || points.length < 2) return '';
  const allocated = finding.snat.allocatedPorts;
  const width = 720;
  const height = 200;
  const left = 50;
  const bottom = 24;
  const top = Math.max(1, allocated, ...points.map((p) => p.used));
  const x = (i: number) => left + Math.round(((width - left - 10) * i) / (points.length - 1));
  const y = (v: number) => Math.round(10 + (height - bottom - 10) * (1 - v / top));
  const line = points.map((p, i) => `${x(i)},${y(p.used)}`).join(' ');
  const first = points[0]?.at.slice(11, 16) ?? '';
  const last = points[points.length - 1]?.at.slice(11, 16) ?? '';
  return (
    `<svg id="snat-chart" role="img" aria-label="SNAT ports used per minute" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-size="12">` +
    `<line x1="${left}" x2="${width - 10}" y1="${y(allocated)}" y2="${y(allocated)}" stroke="#c50f1f" stroke-dasharray="6 4"/>` +
    `<text x="${width - 10}" y="${y(allocated) < 24 ? y(allocated) + 14 : y(allocated) - 4}" text-anchor="end" fill="#c50f1f">allocated ${allocated}</text>` +
    `<polyline points="${line}" fill="none" stroke="#4f6bed" stroke-width="2"/>` +
    `<text x="${left - 6}" y="${y(0)}" text-anchor="end">0</text>` +
    `<text x="${left - 6}" y="${y(top) + 10}" text-anchor="end">${top}</text>` +
    `<text x="${left}" y="${height - 6}">${escapeHtml(first)} UTC</text>` +
    `<text x="${width - 10}" y="${height - 6}" text-anchor="end">${escapeHtml(last)} UTC</text>` +
    `</svg>`
  );
}
