/**
 * The query side of Azure Monitor's metrics API for a load balancer's SNAT metrics: which metrics exist,
 * and the parameters parsed as the service reads them (names without regard to case). A malformed query
 * throws MetricsQueryError, which the server answers with 400.
 */

export type Aggregation = 'average' | 'minimum' | 'maximum' | 'total' | 'count';
const AGGREGATIONS: readonly Aggregation[] = ['average', 'minimum', 'maximum', 'total', 'count'];

export const METRICS_NAMESPACE = 'Microsoft.Network/loadBalancers';
const DEFAULT_TIMESPAN_MS = 60 * 60_000;
/** Azure returns this many series when a filter splits and `top` is not given. */
const DEFAULT_TOP = 10;

export interface MetricDefinition {
  readonly name: string;
  readonly displayName: string;
  readonly primary: Aggregation;
  /** Dimensions Azure defines for the metric, lower case, as they are matched. */
  readonly dimensions: readonly string[];
  /** Which scenario figure the metric shows. */
  readonly kind: 'usedPorts' | 'allocatedPorts' | 'connections';
}

const PORT_DIMENSIONS = ['frontendipaddress', 'backendipaddress', 'protocoltype', 'isawaitingremoval'];

const METRICS: readonly MetricDefinition[] = [
  {
    name: 'UsedSnatPorts',
    displayName: 'Used SNAT Ports',
    primary: 'average',
    dimensions: PORT_DIMENSIONS,
    kind: 'usedPorts',
  },
  {
    name: 'AllocatedSnatPorts',
    displayName: 'Allocated SNAT Ports',
    primary: 'average',
    dimensions: PORT_DIMENSIONS,
    kind: 'allocatedPorts',
  },
  {
    name: 'SnatConnectionCount',
    displayName: 'SNAT Connection Count',
    primary: 'total',
    dimensions: ['frontendipaddress', 'backendipaddress', 'connectionstate'],
    kind: 'connections',
  },
];

/** The dimensions the simulator has values for; the others are refused rather than silently ignored. */
const SIMULATED_DIMENSIONS = ['backendipaddress', 'connectionstate'] as const;
export type SimulatedDimension = (typeof SIMULATED_DIMENSIONS)[number];

/** Per dimension of the filter: the values asked for, or every value. */
export type DimensionFilter = ReadonlyMap<SimulatedDimension, readonly string[] | '*'>;

export interface MetricRequest {
  readonly definition: MetricDefinition;
  readonly aggregations: readonly Aggregation[];
  /** What `top` ranks the series by. */
  readonly order: { readonly by: Aggregation; readonly desc: boolean };
}

export interface MetricsQuery {
  readonly metrics: readonly MetricRequest[];
  readonly span: { readonly start: number; readonly end: number };
  /** Milliseconds, or one bucket for the whole timespan. */
  readonly interval: number | 'FULL';
  readonly intervalText: string;
  readonly filter: DimensionFilter;
  readonly top: number;
  readonly metadataOnly: boolean;
}

export class MetricsQueryError extends Error {}

function fail(message: string): never {
  throw new MetricsQueryError(message);
}

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

function parseDuration(text: string): number | null {
  const m = DURATION.exec(text);
  if (m === null || /^P$|T$/i.test(text)) return null;
  const [, d, h, min, s] = m;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
}

function parseInstant(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** `start/end`, `start/duration`, `duration/end` or a bare duration ending now; the last hour by default. */
function parseTimespan(text: string | undefined, now: number): { start: number; end: number } {
  if (text === undefined || text === '') return { start: now - DEFAULT_TIMESPAN_MS, end: now };
  const parts = text.split('/');
  let span: { start: number; end: number } | null = null;
  if (parts.length === 1) {
    const duration = parseDuration(text);
    if (duration !== null) span = { start: now - duration, end: now };
  } else if (parts.length === 2) {
    const [a = '', b = ''] = parts;
    const [start, end, before, after] = [
      parseInstant(a),
      parseInstant(b),
      parseDuration(a),
      parseDuration(b),
    ];
    if (start !== null && end !== null) span = { start, end };
    else if (start !== null && after !== null) span = { start, end: start + after };
    else if (before !== null && end !== null) span = { start: end - before, end };
  }
  if (span === null || !(span.end > span.start)) fail(`Invalid timespan: '${text}'`);
  return span;
}

/** `A eq 'a1' and B eq 'b1' or B eq 'b2' and C eq '*'`: `and` between dimensions, `or` within one. */
function parseFilter(text: string | undefined): DimensionFilter {
  const filter = new Map<SimulatedDimension, readonly string[] | '*'>();
  if (text === undefined || text.trim() === '') return filter;
  for (const group of text.trim().split(/\s+and\s+/i)) {
    const atoms = group
      .replace(/^\s*\(\s*/, '')
      .replace(/\s*\)\s*$/, '')
      .split(/\s+or\s+/i);
    let dimension: string | null = null;
    const values: string[] = [];
    for (const atom of atoms) {
      const m = /^\s*([A-Za-z]\w*)\s+eq\s+'([^']*)'\s*$/i.exec(atom);
      if (m === null) fail(`Invalid $filter near: '${atom.trim()}'`);
      const [, name = '', value = ''] = m;
      if (dimension !== null && dimension !== name.toLowerCase()) {
        fail(`Invalid $filter: 'or' can only join values of one dimension ('${group.trim()}')`);
      }
      dimension = name.toLowerCase();
      values.push(value);
    }
    const simulated = SIMULATED_DIMENSIONS.find((d) => d === dimension);
    if (simulated === undefined) fail(`The simulator has no values for dimension '${dimension}'`);
    filter.set(simulated, values.includes('*') ? '*' : values);
  }
  return filter;
}

function parseAggregation(text: string, what: string): Aggregation {
  const found = AGGREGATIONS.find((a) => a === text.trim().toLowerCase());
  if (found === undefined) fail(`Invalid ${what}: '${text.trim()}'`);
  return found;
}

function parseOrderBy(text: string | undefined, metric: MetricDefinition): MetricRequest['order'] {
  if (text === undefined || text.trim() === '') return { by: metric.primary, desc: true };
  const [by = '', dir = 'asc', ...rest] = text.trim().toLowerCase().split(/\s+/);
  if (rest.length > 0 || (dir !== 'asc' && dir !== 'desc')) fail(`Invalid orderby: '${text}'`);
  return { by: parseAggregation(by, 'orderby'), desc: dir === 'desc' };
}

function metricRequest(
  name: string,
  params: ReadonlyMap<string, string>,
  filter: DimensionFilter,
): MetricRequest {
  const definition = METRICS.find((m) => m.name.toLowerCase() === name.trim().toLowerCase());
  if (definition === undefined) {
    fail(
      `Failed to find metric configuration for provider: Microsoft.Network, resource Type: loadBalancers, metric: ${name.trim()}`,
    );
  }
  for (const dimension of filter.keys()) {
    // validateDimensions is on by default: one query cannot mix metrics that lack a filtered dimension.
    if (!definition.dimensions.includes(dimension)) {
      fail(
        `Metric: ${definition.name} does not support requested dimension combination: ${dimension}, ` +
          `supported ones are: ${definition.dimensions.join(',')}`,
      );
    }
  }
  const aggregation = params.get('aggregation');
  return {
    definition,
    aggregations:
      aggregation === undefined || aggregation.trim() === ''
        ? [definition.primary]
        : aggregation.split(',').map((a) => parseAggregation(a, 'aggregation')),
    order: parseOrderBy(params.get('orderby'), definition),
  };
}

export function parseMetricsQuery(query: URLSearchParams, now: number): MetricsQuery {
  const params = new Map<string, string>();
  for (const [key, value] of query) params.set(key.toLowerCase(), value);
  const namespace = params.get('metricnamespace');
  if (namespace !== undefined && namespace.toLowerCase() !== METRICS_NAMESPACE.toLowerCase()) {
    fail(`Metric namespace '${namespace}' is not valid for this resource`);
  }
  const names = params.get('metricnames');
  if (names === undefined || names.trim() === '') fail('metricnames is required by the simulator');
  const filter = parseFilter(params.get('$filter'));
  const intervalText = (params.get('interval') ?? 'PT1M').toUpperCase();
  const interval = intervalText === 'FULL' ? 'FULL' : parseDuration(intervalText);
  if (interval === null || (interval !== 'FULL' && interval < 60_000))
    fail(`Invalid interval: '${intervalText}'`);
  const topText = params.get('top');
  const top = topText === undefined ? DEFAULT_TOP : Number(topText);
  if (!Number.isInteger(top) || top < 1) fail(`Invalid top: '${topText}'`);
  return {
    metrics: names.split(',').map((name) => metricRequest(name, params, filter)),
    span: parseTimespan(params.get('timespan'), now),
    interval,
    intervalText,
    filter,
    top,
    metadataOnly: params.get('resulttype')?.toLowerCase() === 'metadata',
  };
}
