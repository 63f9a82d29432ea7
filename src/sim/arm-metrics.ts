import type { SimArmCluster } from './arm-cluster';
import {
  METRICS_NAMESPACE,
  MetricsQueryError,
  parseMetricsQuery,
  type Aggregation,
  type DimensionFilter,
  type MetricDefinition,
  type MetricRequest,
  type MetricsQuery,
  type SimulatedDimension,
} from './arm-metrics-query';

/**
 * Azure Monitor's metrics for the cluster's `kubernetes` load balancer.
 *
 * The scenario's figures describe the last 30 minutes. Every bucket of the query that overlaps that window
 * carries them: used ports climb to their figure in the last such bucket (exhaustion builds up), allocated
 * ports stay flat, connection counts are shared out so that they sum exactly to the scenario's totals.
 * Buckets outside the window have a timestamp and no values, as Azure shows a time without data.
 */

const WINDOW_MS = 30 * 60_000;
const MAX_BUCKETS = 50_000;
const CONNECTION_STATES = ['failed', 'successful'] as const;
type ConnectionState = (typeof CONNECTION_STATES)[number];

export interface MetricsAnswer {
  readonly status: number;
  readonly body: unknown;
}

interface Series {
  readonly metadata: readonly { readonly name: SimulatedDimension; readonly value: string }[];
  /** The figure over the window: ports at their peak, connections in total. */
  readonly figure: number;
}

function matches(filter: readonly string[] | '*' | undefined, value: string): boolean {
  return (
    filter === undefined || filter === '*' || filter.some((v) => v.toLowerCase() === value.toLowerCase())
  );
}

/** One series per combination of the filtered dimensions' values; unfiltered dimensions are folded. */
function seriesFor(metric: MetricDefinition, filter: DimensionFilter, cluster: SimArmCluster): Series[] {
  const byIp = filter.get('backendipaddress');
  const byState = metric.kind === 'connections' ? filter.get('connectionstate') : undefined;
  const ips = [...cluster.snat.keys()].filter((ip) => matches(byIp, ip));
  const states = CONNECTION_STATES.filter((s) => matches(byState, s));
  const figureOf = (ip: string, state: ConnectionState | null): number => {
    const snat = cluster.snat.get(ip);
    if (snat === undefined) return 0;
    if (metric.kind === 'usedPorts') return snat.usedPorts;
    if (metric.kind === 'allocatedPorts') return snat.allocatedPorts;
    return state === 'failed' ? snat.failedConnections : snat.successfulConnections;
  };
  // Ports metrics have no ConnectionState dimension: a single stateless group.
  const stateGroups: (ConnectionState | null)[][] =
    metric.kind !== 'connections' ? [[null]] : byState === undefined ? [states] : states.map((s) => [s]);
  const ipGroups = byIp === undefined ? [ips] : ips.map((ip) => [ip]);
  const series: Series[] = [];
  for (const ipGroup of ipGroups) {
    for (const stateGroup of stateGroups) {
      if (ipGroup.length === 0 || stateGroup.length === 0) continue;
      const perIp = ipGroup.map((ip) => stateGroup.reduce((sum, s) => sum + figureOf(ip, s), 0));
      const total = perIp.reduce((a, b) => a + b, 0);
      const metadata: Series['metadata'][number][] = [];
      if (byIp !== undefined) metadata.push({ name: 'backendipaddress', value: ipGroup[0] ?? '' });
      if (byState !== undefined) metadata.push({ name: 'connectionstate', value: stateGroup[0] ?? '' });
      // Unsplit, ports are the average over instances and connections their sum.
      series.push({ metadata, figure: metric.kind === 'connections' ? total : total / perIp.length });
    }
  }
  return series;
}

interface Bucket {
  readonly start: number;
  /** Index among the buckets that overlap the scenario's window, or null outside it. */
  readonly index: number | null;
}

/** Buckets aligned to the interval, as Azure aligns them; FULL is one bucket for the whole timespan. */
function bucketsOf(query: MetricsQuery, now: number): Bucket[] {
  const { span, interval } = query;
  const overlaps = (start: number, length: number) => start < now && start + length > now - WINDOW_MS;
  if (interval === 'FULL') {
    return [{ start: span.start, index: overlaps(span.start, span.end - span.start) ? 0 : null }];
  }
  const first = Math.floor(span.start / interval) * interval;
  if ((span.end - first) / interval > MAX_BUCKETS) {
    throw new MetricsQueryError('The query asks for too many data points');
  }
  const buckets: Bucket[] = [];
  let index = 0;
  for (let start = first; start < span.end; start += interval) {
    buckets.push({ start, index: overlaps(start, interval) ? index++ : null });
  }
  return buckets;
}

/** The series' value in the i-th of n buckets inside the window. */
function valueAt(metric: MetricDefinition, figure: number, i: number, n: number): number {
  if (metric.kind === 'allocatedPorts') return figure;
  if (metric.kind === 'usedPorts') return Math.round((figure * (i + 1)) / n);
  const base = Math.floor(figure / n);
  return base + (i < figure - base * n ? 1 : 0);
}

/** One sample per bucket: every aggregation but count is the value itself. */
function point(value: number, aggregations: readonly Aggregation[]): Record<string, number> {
  const fields: Record<Aggregation, number> = {
    average: value,
    minimum: value,
    maximum: value,
    total: value,
    count: 1,
  };
  return Object.fromEntries(aggregations.map((a) => [a, fields[a]]));
}

function rankKey(values: readonly (number | null)[], by: Aggregation): number {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return 0;
  if (by === 'maximum') return Math.max(...present);
  if (by === 'minimum') return Math.min(...present);
  if (by === 'count') return present.length;
  const sum = present.reduce((a, b) => a + b, 0);
  return by === 'average' ? sum / present.length : sum;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function metricJson(
  request: MetricRequest,
  query: MetricsQuery,
  buckets: readonly Bucket[],
  cluster: SimArmCluster,
  loadBalancerId: string,
) {
  const { definition, aggregations, order } = request;
  const inWindow = buckets.filter((b) => b.index !== null).length;
  const rows = seriesFor(definition, query.filter, cluster).map((s) => ({
    ...s,
    values: buckets.map((b) => (b.index === null ? null : valueAt(definition, s.figure, b.index, inWindow))),
  }));
  if (query.filter.size > 0) {
    const label = (r: Series) => r.metadata.map((m) => m.value).join('/');
    const sign = order.desc ? -1 : 1;
    rows.sort(
      (a, b) =>
        sign * (rankKey(a.values, order.by) - rankKey(b.values, order.by)) ||
        label(a).localeCompare(label(b)),
    );
    rows.splice(query.top);
  }
  return {
    id: `${loadBalancerId}/providers/Microsoft.Insights/metrics/${definition.name}`,
    type: 'Microsoft.Insights/metrics',
    name: { value: definition.name, localizedValue: definition.displayName },
    displayDescription: `${definition.displayName} of the load balancer's backend instances.`,
    unit: 'Count',
    errorCode: 'Success',
    timeseries: rows.map((row) => ({
      metadatavalues: row.metadata.map((m) => ({
        name: { value: m.name, localizedValue: m.name },
        value: m.value,
      })),
      ...(query.metadataOnly
        ? {}
        : {
            data: buckets.map((b, i) => {
              const v = row.values[i];
              return { timeStamp: isoSeconds(b.start), ...(v == null ? {} : point(v, aggregations)) };
            }),
          }),
    })),
  };
}

/** Answers a metrics query; a malformed one gets a 400 with a message naming the problem. */
export function loadBalancerMetrics(
  cluster: SimArmCluster,
  loadBalancerId: string,
  params: URLSearchParams,
  now: number,
  /** No data at all (a new load balancer, or Monitor behind): every metric with no time series. */
  missing = false,
): MetricsAnswer {
  try {
    const query = parseMetricsQuery(params, now);
    const buckets = bucketsOf(query, now);
    const value = query.metrics.map((request) => {
      const metric = metricJson(request, query, buckets, cluster, loadBalancerId);
      return missing ? { ...metric, timeseries: [] } : metric;
    });
    const seriesCount = value.reduce((n, m) => n + m.timeseries.length, 0);
    return {
      status: 200,
      body: {
        cost: buckets.length * Math.max(1, seriesCount),
        timespan: `${isoSeconds(query.span.start)}/${isoSeconds(query.span.end)}`,
        interval: query.intervalText,
        namespace: METRICS_NAMESPACE,
        resourceregion: cluster.location,
        value,
      },
    };
  } catch (error) {
    if (error instanceof MetricsQueryError) {
      return { status: 400, body: { error: { code: 'BadRequest', message: error.message } } };
    }
    throw error;
  }
}
