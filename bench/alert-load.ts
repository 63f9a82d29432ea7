/**
 * `npm run bench -- alerts`: the alert webhook's latency when 500 alerts for 20 nodes arrive at once, each
 * invocation built as the Functions app builds it (a real DurableClient over HTTP to a local stand-in of
 * the Durable extension's API, in this process). Latency is per invocation, from the handler's call to its
 * answer, so it includes the wait for this process's one event loop, which all 500 share.
 */
import { INVESTIGATE_SNAT } from '../src/orchestrations/investigate-snat';
import { invokeAlertWebhook, loadAlerts, percentile } from '../test/helpers/alert-load';
import { startDurableStandIn } from '../test/helpers/durable-http-standin';

const SETTINGS = { cooldownMinutes: 15, traceSeconds: 30, privateCidrs: [] };

async function burst(alerts: number, nodes: number, delayMs: number): Promise<string> {
  const standIn = await startDurableStandIn({ orchestrators: [INVESTIGATE_SNAT], delayMs });
  try {
    const batch = loadAlerts(alerts, nodes);
    const started = process.hrtime.bigint();
    const timed = await Promise.all(
      batch.map((alert) => invokeAlertWebhook(alert.body, standIn.clientData, SETTINGS)),
    );
    const wall = Number(process.hrtime.bigint() - started) / 1e6;
    const ms = timed.map((t) => t.ms);
    const not202 = timed.filter((t) => t.response.status !== 202).length;
    return (
      `${alerts} alerts for ${nodes} nodes at once, Durable answering after ${delayMs} ms: ` +
      `${standIn.created.length} started, ${standIn.conflicts} starts refused, ${not202} not 202; ` +
      `p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms, all in ${wall.toFixed(0)} ms`
    );
  } finally {
    await standIn.close();
  }
}

/** One alert at a time: what one invocation costs when nothing else runs. */
async function oneAtATime(alerts: number, nodes: number): Promise<string> {
  const standIn = await startDurableStandIn({ orchestrators: [INVESTIGATE_SNAT] });
  try {
    const ms: number[] = [];
    for (const alert of loadAlerts(alerts, nodes)) {
      ms.push((await invokeAlertWebhook(alert.body, standIn.clientData, SETTINGS)).ms);
    }
    return (
      `${alerts} alerts for ${nodes} nodes one after another: ${standIn.created.length} started; ` +
      `p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms`
    );
  } finally {
    await standIn.close();
  }
}

export async function benchAlerts(runs: number): Promise<string[]> {
  // A first burst warms the modules and the JIT; it is not reported.
  await burst(100, 20, 0);
  const rows: string[] = [];
  for (let i = 0; i < runs; i++) rows.push(await burst(500, 20, 0));
  rows.push(await burst(500, 20, 20));
  rows.push(await oneAtATime(500, 20));
  return rows;
}
