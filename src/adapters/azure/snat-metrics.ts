import { MonitorClient, type Response as MetricsResponse } from '@azure/arm-monitor';
import {
  clientOptions,
  silentLogger,
  type AzureAdapterOptions,
  type AzureLogger,
  defaultCredential,
} from './azure-options';
import { InputError } from '../../core/errors';
import { azureCall } from './errors';
import { LOAD_BALANCER_TYPE, parseResourceId } from '../../core/resource-id';

/** One node's SNAT figures over the window, as the load balancer's metrics show them. */
export interface BackendSnatUsage {
  readonly ip: string;
  /** The highest per-minute average of UsedSnatPorts. */
  readonly usedPorts: number;
  /** The highest per-minute average of AllocatedSnatPorts. */
  readonly allocatedPorts: number;
  /** SnatConnectionCount with ConnectionState 'failed', summed over the window. */
  readonly failedConnections: number;
  /** UsedSnatPorts per minute (the average), oldest first: the report's chart. */
  readonly usedOverTime: readonly SnatPoint[];
}

export interface SnatPoint {
  /** ISO 8601 UTC. */
  readonly at: string;
  readonly used: number;
}

export interface SnatMetricsOptions extends AzureAdapterOptions {
  /** The clock that ends the window; the real one by default. */
  readonly now?: () => Date;
}

export interface SnatUsageOptions {
  readonly minutes?: number;
  /** Nodes expected behind the load balancer: sizes `top` so that one query returns every one. */
  readonly nodeCount?: number;
}

/** Azure Monitor returns 10 series when a filter splits unless `top` says otherwise; we always say. */
const MIN_TOP = 100;
/** How many times a saturated answer (as many series as `top`) is asked again with a larger `top`. */
const TOP_GROWTH_ATTEMPTS = 3;

interface Figures {
  usedPorts: number;
  allocatedPorts: number;
  failedConnections: number;
  usedOverTime: SnatPoint[];
}

function backendIp(
  series: NonNullable<MetricsResponse['value'][number]['timeseries']>[number],
): string | null {
  const entry = series.metadatavalues?.find((m) => m.name?.value?.toLowerCase() === 'backendipaddress');
  return entry?.value ?? null;
}

/**
 * Folds the two metric answers into one figure per backend IP: ports are the maximum of the per-minute
 * averages (the peak is what exhausts), failed connections the sum of the totals.
 */
export function foldSnatMetrics(answers: readonly MetricsResponse[]): BackendSnatUsage[] {
  const byIp = new Map<string, Figures>();
  for (const answer of answers) {
    for (const metric of answer.value) {
      const name = metric.name.value?.toLowerCase();
      for (const series of metric.timeseries) {
        const ip = backendIp(series);
        if (ip === null) continue;
        const figures = byIp.get(ip) ?? {
          usedPorts: 0,
          allocatedPorts: 0,
          failedConnections: 0,
          usedOverTime: [],
        };
        byIp.set(ip, figures);
        for (const point of series.data ?? []) {
          if (name === 'usedsnatports' && point.average !== undefined) {
            figures.usedPorts = Math.max(figures.usedPorts, Math.round(point.average));
            figures.usedOverTime.push({
              at: new Date(point.timeStamp).toISOString(),
              used: Math.round(point.average),
            });
          } else if (name === 'allocatedsnatports' && point.average !== undefined) {
            figures.allocatedPorts = Math.max(figures.allocatedPorts, Math.round(point.average));
          } else if (name === 'snatconnectioncount' && point.total !== undefined) {
            figures.failedConnections += point.total;
          }
        }
      }
    }
  }
  return [...byIp]
    .map(([ip, figures]) => ({
      ip,
      ...figures,
      usedOverTime: figures.usedOverTime.sort((a, b) => a.at.localeCompare(b.at)),
    }))
    .sort(
      (a, b) =>
        b.usedPorts - a.usedPorts || b.failedConnections - a.failedConnections || a.ip.localeCompare(b.ip),
    );
}

/**
 * The load balancer's SNAT metrics per node through @azure/arm-monitor: UsedSnatPorts and
 * AllocatedSnatPorts (Average), and failed SnatConnectionCount (Total), split by BackendIPAddress.
 */
export class SnatMetrics {
  private readonly client: MonitorClient;
  private readonly logger: AzureLogger;
  private readonly now: () => Date;

  constructor({
    credential = defaultCredential(),
    logger = silentLogger,
    now = () => new Date(),
    ...rest
  }: SnatMetricsOptions = {}) {
    this.client = new MonitorClient(credential, clientOptions(rest));
    this.logger = logger;
    this.now = now;
  }

  /** Every node with metrics in the last `minutes` (30 by default), highest used ports first. */
  async usage(
    loadBalancerId: string,
    { minutes = 30, nodeCount = 0 }: SnatUsageOptions = {},
  ): Promise<BackendSnatUsage[]> {
    if (!(Number.isInteger(minutes) && minutes > 0))
      throw new InputError(`minutes must be a positive integer, not ${minutes}`);
    parseResourceId(loadBalancerId, LOAD_BALANCER_TYPE);
    // The SDK puts its own slash before the resource URI: a second makes `//subscriptions/...`, which the
    // simulator refuses and Azure is not documented to accept.
    const resourceUri = loadBalancerId.replace(/^\/+/, '');
    const end = this.now();
    const timespan = `${new Date(end.getTime() - minutes * 60_000).toISOString()}/${end.toISOString()}`;
    // The ports metrics have no ConnectionState dimension, so the failed count is a query of its own.
    const queries = [
      {
        metricnames: 'UsedSnatPorts,AllocatedSnatPorts',
        aggregation: 'Average',
        filter: "BackendIPAddress eq '*'",
      },
      {
        metricnames: 'SnatConnectionCount',
        aggregation: 'Total',
        filter: "BackendIPAddress eq '*' and ConnectionState eq 'failed'",
      },
    ];
    let top = Math.max(MIN_TOP, nodeCount * 2);
    for (let attempt = 1; ; attempt += 1) {
      const answers = await Promise.all(
        queries.map((query) =>
          azureCall(`read ${query.metricnames} of ${loadBalancerId}`, () =>
            this.client.metrics.list(resourceUri, { ...query, timespan, interval: 'PT1M', top }),
          ),
        ),
      );
      for (const metric of answers.flatMap((a) => a.value)) {
        if (metric.errorCode !== undefined && metric.errorCode !== 'Success') {
          this.logger.warn(
            `metric ${metric.name.value ?? '?'}: ${metric.errorCode} ${metric.errorMessage ?? ''}`,
          );
        }
      }
      const saturated = answers.some((a) => a.value.some((m) => m.timeseries.length >= top));
      if (!saturated || attempt === TOP_GROWTH_ATTEMPTS) {
        if (saturated) this.logger.warn(`SNAT metrics still return ${top} series; some nodes may be missing`);
        return foldSnatMetrics(answers);
      }
      this.logger.debug(`SNAT metrics returned ${top} series, as many as asked for; asking for more`);
      top *= 4;
    }
  }
}
