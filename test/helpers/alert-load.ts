/**
 * The alert webhook under load, as the Functions app runs it: each invocation gets a context carrying the
 * durableClient binding's data, builds its deps with `triggerDeps` (a real DurableClient over HTTP) and
 * runs `handleSnatAlert`. Used by test/load and by `npm run bench -- alerts`; no jest here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import * as df from 'durable-functions';
import { handleSnatAlert } from '../../src/functions/http-handlers';
import { triggerDeps } from '../../src/functions/trigger-deps';

/** fired-two-nodes.json, found from here in the source tree or from dist/ (npm run bench). */
function fixture(): Record<string, unknown> {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const path = join(dir, 'test', 'fixtures', 'alerts', 'fired-two-nodes.json');
    if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  }
  throw new Error('test/fixtures/alerts/fired-two-nodes.json not found');
}

/** A small seeded PRNG (mulberry32): the same alerts in the same order on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LoadAlert {
  readonly body: string;
  /** The distinct node IPs it names. */
  readonly nodes: readonly string[];
}

/** Node i's IP: 10.224.0.4, 10.224.0.5, ... */
export function nodeIp(i: number): string {
  return `10.224.${Math.floor((i + 4) / 256)}.${(i + 4) % 256}`;
}

/**
 * `count` alerts over `nodes` nodes in the common alert schema (the shape of fired-two-nodes.json: failed
 * SNAT connections and used ports, split by BackendIPAddress), each node named by count/nodes alerts as its
 * first node, every fifth alert naming a second node too; shuffled.
 */
export function loadAlerts(count: number, nodes: number, seed = 42): LoadAlert[] {
  const base = fixture();
  const next = random(seed);
  const alerts: LoadAlert[] = [];
  for (let k = 0; k < count; k++) {
    const ips = [nodeIp(k % nodes)];
    if (k % 5 === 0) {
      const other = nodeIp((k * 7 + 3) % nodes);
      if (!ips.includes(other)) ips.push(other);
    }
    const criteria = ips.flatMap((ip, n) => [
      {
        metricName: 'SnatConnectionCount',
        metricNamespace: 'Microsoft.Network/loadBalancers',
        operator: 'GreaterThan',
        threshold: '0',
        timeAggregation: 'Total',
        dimensions: [
          { name: 'BackendIPAddress', value: ip },
          { name: 'ConnectionState', value: 'failed' },
        ],
        metricValue: 400 + k + n,
        webTestName: null,
      },
      {
        metricName: 'UsedSnatPorts',
        metricNamespace: 'Microsoft.Network/loadBalancers',
        operator: 'GreaterThan',
        threshold: '921',
        timeAggregation: 'Average',
        dimensions: [{ name: 'BackendIPAddress', value: ip }],
        metricValue: 1000 + n,
        webTestName: null,
      },
    ]);
    const data = base.data as {
      essentials: Record<string, unknown>;
      alertContext: { condition: Record<string, unknown> };
    };
    const doc = {
      ...base,
      data: {
        ...data,
        essentials: { ...data.essentials, alertId: `${String(data.essentials.alertId)}-${k}` },
        alertContext: {
          ...data.alertContext,
          condition: { ...data.alertContext.condition, allOf: criteria },
        },
      },
    };
    alerts.push({ body: JSON.stringify(doc), nodes: ips });
  }
  for (let i = alerts.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [alerts[i], alerts[j]] = [alerts[j] as LoadAlert, alerts[i] as LoadAlert];
  }
  return alerts;
}

export interface TimedResponse {
  readonly response: HttpResponseInit;
  readonly ms: number;
}

/** One invocation of the webhook, as the host makes it: its own context and binding data. */
export async function invokeAlertWebhook(
  body: string,
  clientData: Record<string, unknown>,
  settings: { cooldownMinutes: number; traceSeconds: number; privateCidrs: readonly string[] },
): Promise<TimedResponse> {
  const started = process.hrtime.bigint();
  const durableClient = df.input.durableClient();
  const context = new InvocationContext({
    functionName: 'snatAlert',
    options: { extraInputs: [durableClient] },
    logHandler: () => undefined,
  });
  context.extraInputs.set(durableClient, clientData);
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/api/alerts/snat',
    body: { string: body },
    headers: { 'content-type': 'application/json' },
  });
  const response = await handleSnatAlert(request, context, triggerDeps(context, settings));
  return { response, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}
