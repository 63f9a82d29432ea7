/**
 * 500 alerts for 20 nodes fired at once at the alert webhook, built as the app builds it (a real
 * DurableClient from the binding data, over HTTP to a stand-in of the Durable extension's API): exactly one
 * investigation per node, whatever the interleaving; every alert answered 202.
 */
import { INVESTIGATE_SNAT } from '../../src/orchestrations/investigate-snat';
import { instanceIdFor } from '../../src/functions/starter';
import {
  invokeAlertWebhook,
  loadAlerts,
  nodeIp,
  percentile,
  type TimedResponse,
} from '../helpers/alert-load';
import { startDurableStandIn, type DurableStandIn } from '../helpers/durable-http-standin';

const CLUSTER = {
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  nodeResourceGroup: 'mc_rg-demo_aks-demo_westeurope',
};
const SETTINGS = { cooldownMinutes: 15, traceSeconds: 30, privateCidrs: ['10.224.0.0/12'] };
const NODES = 20;
const ALERTS = 500;

interface AlertAnswer {
  condition: string;
  started: string[];
  deduplicated: { instanceId: string; reason: string; since: string | null }[];
}

async function fire(standIn: DurableStandIn, alerts = loadAlerts(100, NODES)): Promise<TimedResponse[]> {
  return Promise.all(alerts.map((alert) => invokeAlertWebhook(alert.body, standIn.clientData, SETTINGS)));
}

const expectedIds = Array.from({ length: NODES }, (_, i) => instanceIdFor(CLUSTER, { ip: nodeIp(i) })).sort();

describe.each([
  ['409 Conflict (extension 2.13.3 and later)', false, 0],
  ['500 "already exists" (earlier extensions)', true, 0],
  // Every answer 50 ms late: nearly every handler finds no instance, and Durable refuses all but one start.
  ['409 Conflict, each answer 50 ms late', false, 50],
])(
  '500 alerts for 20 nodes at once; the extension refuses a running instance ID with %s',
  (_label, legacyConflict, delayMs) => {
    let standIn: DurableStandIn;
    beforeEach(async () => {
      standIn = await startDurableStandIn({ orchestrators: [INVESTIGATE_SNAT], legacyConflict, delayMs });
    });
    afterEach(() => standIn.close());

    it('starts exactly 20 investigations and answers every alert 202 with started and deduplicated IDs adding up', async () => {
      const alerts = loadAlerts(ALERTS, NODES);
      const mentions = alerts.reduce((sum, a) => sum + a.nodes.length, 0);
      const wall = process.hrtime.bigint();
      const timed = await fire(standIn, alerts);
      const wallMs = Number(process.hrtime.bigint() - wall) / 1e6;

      expect(timed.map((t) => t.response.status)).toEqual(alerts.map(() => 202));
      expect([...standIn.created].sort()).toEqual(expectedIds);
      const answers = timed.map((t) => t.response.jsonBody as AlertAnswer);
      const started = answers.flatMap((a) => a.started);
      const deduplicated = answers.flatMap((a) => a.deduplicated);
      expect(started.sort()).toEqual(expectedIds);
      expect(started.length + deduplicated.length).toBe(mentions);
      answers.forEach((answer, i) => {
        const ids = (alerts[i]?.nodes ?? []).map((ip) => instanceIdFor(CLUSTER, { ip })).sort();
        expect([...answer.started, ...answer.deduplicated.map((d) => d.instanceId)].sort()).toEqual(ids);
      });
      expect(new Set(deduplicated.map((d) => d.reason))).toEqual(new Set(['running']));
      expect(deduplicated.every((d) => typeof d.since === 'string')).toBe(true);
      if (delayMs > 0) expect(standIn.conflicts).toBeGreaterThan(100);
      // Each instance was started with its own request.
      for (const id of expectedIds) {
        expect(standIn.instances.get(id)?.input).toMatchObject({ investigationId: id, cluster: CLUSTER });
      }

      const ms = timed.map((t) => t.ms);
      process.stdout.write(
        `alert webhook, ${ALERTS} alerts (${mentions} node mentions) for ${NODES} nodes at once, ` +
          `${legacyConflict ? 'legacy 500' : '409'} refusals, ${delayMs} ms Durable delay: ${standIn.created.length} started, ` +
          `${standIn.conflicts} starts refused by Durable; handler latency p50 ${percentile(ms, 50).toFixed(0)} ms, ` +
          `p99 ${percentile(ms, 99).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms; all answered in ${wallMs.toFixed(0)} ms ` +
          `(${standIn.requests.status} getStatus, ${standIn.requests.start} startNew requests)\n`,
      );
      // A sanity bound only: the figure itself is npm run bench -- alerts.
      expect(percentile(ms, 99)).toBeLessThan(20_000);
    });
  },
);

describe('bursts of 100 alerts for 20 nodes, again and again', () => {
  let standIn: DurableStandIn;
  beforeEach(async () => {
    standIn = await startDurableStandIn({ orchestrators: [INVESTIGATE_SNAT] });
  });
  afterEach(() => standIn.close());

  it('starts nothing when the burst comes again while they run, or after they finished within the cooldown', async () => {
    await fire(standIn);
    expect(standIn.created).toHaveLength(NODES);
    await fire(standIn);
    expect(standIn.created).toHaveLength(NODES);
    for (const id of expectedIds) standIn.setStatus(id, 'Completed', { schemaVersion: 1 });
    const again = await fire(standIn);
    expect(standIn.created).toHaveLength(NODES);
    expect(again.every((t) => t.response.status === 202)).toBe(true);
    expect(
      new Set(again.flatMap((t) => (t.response.jsonBody as AlertAnswer).deduplicated.map((d) => d.reason))),
    ).toEqual(new Set(['recent']));
  });

  it('starts each node exactly once more when the burst comes after the cooldown', async () => {
    await fire(standIn);
    for (const id of expectedIds) {
      standIn.setStatus(id, 'Completed', { schemaVersion: 1 });
      const instance = standIn.instances.get(id);
      if (instance !== undefined) instance.createdTime = new Date(Date.now() - 16 * 60_000);
    }
    const timed = await fire(standIn);
    expect(timed.every((t) => t.response.status === 202)).toBe(true);
    expect(standIn.created).toHaveLength(2 * NODES);
    expect([...standIn.created.slice(NODES)].sort()).toEqual(expectedIds);
    expect(timed.flatMap((t) => (t.response.jsonBody as AlertAnswer).started).sort()).toEqual(expectedIds);
  });
});
