import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import {
  handleRerun,
  handleSnatAlert,
  handleStatus,
  type TriggerDeps,
} from '../../src/functions/http-handlers';
import { instanceIdFor, type InstanceStatus, type InvestigationStarter } from '../../src/functions/starter';
import type { InvestigationRequest } from '../../src/workflow/investigation';

const ALERTS = join(__dirname, '..', 'fixtures', 'alerts');
const CLUSTER_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-demo/providers/Microsoft.ContainerService/managedClusters/aks-demo';

/** Durable's client in memory: instances by ID, started as Running. */
class MemoryStarter implements InvestigationStarter {
  readonly instances = new Map<string, InstanceStatus>();
  readonly started: { instanceId: string; request: InvestigationRequest }[] = [];
  constructor(private readonly clock: () => Date) {}
  status(instanceId: string): Promise<InstanceStatus | null> {
    return Promise.resolve(this.instances.get(instanceId) ?? null);
  }
  start(instanceId: string, request: InvestigationRequest): Promise<void> {
    this.started.push({ instanceId, request });
    const now = this.clock();
    this.instances.set(instanceId, {
      runtimeStatus: 'Running',
      createdTime: now,
      lastUpdatedTime: now,
      customStatus: null,
      output: null,
    });
    return Promise.resolve();
  }
  finish(instanceId: string, output: unknown): void {
    const current = this.instances.get(instanceId);
    if (current === undefined) throw new Error(`no ${instanceId}`);
    this.instances.set(instanceId, { ...current, runtimeStatus: 'Completed', output });
  }
}

function setUp() {
  let now = new Date('2026-11-22T10:15:00Z');
  const starter = new MemoryStarter(() => now);
  const deps: TriggerDeps = {
    starter,
    now: () => now,
    cooldownMinutes: 15,
    traceSeconds: 30,
    privateCidrs: ['10.224.0.0/12'],
    managementUrls: (id) => ({
      statusQueryGetUri: `http://localhost/runtime/webhooks/durabletask/instances/${id}`,
    }),
  };
  return {
    starter,
    deps,
    advance: (minutes: number) => {
      now = new Date(now.getTime() + minutes * 60_000);
    },
  };
}

const context = () => new InvocationContext({ logHandler: () => undefined });

function post(route: string, body: string): HttpRequest {
  return new HttpRequest({ method: 'POST', url: `http://localhost/api/${route}`, body: { string: body } });
}

function alert(file: string): HttpRequest {
  return post('alerts/snat', readFileSync(join(ALERTS, file), 'utf8'));
}

describe('POST /api/alerts/snat', () => {
  it('starts one investigation per node the alert names, with the app settings', async () => {
    const { starter, deps } = setUp();
    const response = await handleSnatAlert(alert('fired-two-nodes.json'), context(), deps);
    const cluster = {
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      nodeResourceGroup: 'mc_rg-demo_aks-demo_westeurope',
    };
    const ids = [instanceIdFor(cluster, { ip: '10.224.0.4' }), instanceIdFor(cluster, { ip: '10.224.0.5' })];
    expect(response).toEqual({
      status: 202,
      jsonBody: {
        condition: 'Fired',
        rule: 'aks-demo-snat-failed-connections',
        started: ids,
        deduplicated: [],
      },
    });
    expect(starter.started.map((s) => s.request)).toEqual([
      {
        investigationId: ids[0],
        cluster,
        node: { ip: '10.224.0.4' },
        traceSeconds: 30,
        privateCidrs: ['10.224.0.0/12'],
        requestedAt: '2026-11-22T10:15:00.000Z',
      },
      expect.objectContaining({ investigationId: ids[1], node: { ip: '10.224.0.5' } }),
    ]);
  });

  it('starts nothing for a node under investigation, or investigated within the cooldown', async () => {
    const { starter, deps, advance } = setUp();
    await handleSnatAlert(alert('fired-used-snat-ports.json'), context(), deps);
    const [first] = starter.started;
    const again = await handleSnatAlert(alert('fired-used-snat-ports.json'), context(), deps);
    expect(again.jsonBody).toMatchObject({
      started: [],
      deduplicated: [{ instanceId: first?.instanceId, reason: 'running', since: '2026-11-22T10:15:00.000Z' }],
    });
    starter.finish(first?.instanceId ?? '', null);
    advance(10);
    expect(
      (await handleSnatAlert(alert('fired-used-snat-ports.json'), context(), deps)).jsonBody,
    ).toMatchObject({
      started: [],
      deduplicated: [{ reason: 'recent' }],
    });
    advance(6);
    expect(
      (await handleSnatAlert(alert('fired-used-snat-ports.json'), context(), deps)).jsonBody,
    ).toMatchObject({
      started: [first?.instanceId],
    });
    expect(starter.started).toHaveLength(2);
  });

  it('records a Resolved alert and starts nothing', async () => {
    const { starter, deps } = setUp();
    const response = await handleSnatAlert(alert('resolved.json'), context(), deps);
    expect(response).toEqual({
      status: 200,
      jsonBody: { condition: 'Resolved', rule: 'aks-demo-snat-ports-high', started: [], deduplicated: [] },
    });
    expect(starter.started).toEqual([]);
  });

  it.each([
    ['cut-off JSON', '{"schemaId": ', /^body is not JSON: /],
    ['an array', '[]', /^not a SNAT alert: /],
    [
      'no essentials',
      '{"schemaId":"azureMonitorCommonAlertSchema","data":{}}',
      /^not a SNAT alert: data.essentials: /,
    ],
    ['a 300 KB body', `{"pad":"${'x'.repeat(300_000)}"}`, /^body larger than 262144 bytes$/],
  ])('answers 400 with a message for %s', async (_label, body, message) => {
    const { starter, deps } = setUp();
    const response = await handleSnatAlert(post('alerts/snat', body), context(), deps);
    expect(response.status).toBe(400);
    expect((response.jsonBody as { error: string }).error).toMatch(message);
    expect(starter.started).toEqual([]);
  });
});

describe('POST /api/investigations (rerun)', () => {
  const body = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ clusterResourceId: CLUSTER_ID, nodeIp: '10.224.0.4', ...extra });

  it('starts an investigation and answers 202 with the status URLs', async () => {
    const { starter, deps } = setUp();
    const response = await handleRerun(post('investigations', body({ traceSeconds: 45 })), context(), deps);
    const id = instanceIdFor({ clusterId: CLUSTER_ID }, { ip: '10.224.0.4' });
    expect(response).toEqual({
      status: 202,
      headers: { Location: `http://localhost/runtime/webhooks/durabletask/instances/${id}` },
      jsonBody: {
        id,
        outcome: 'started',
        statusQueryGetUri: `http://localhost/runtime/webhooks/durabletask/instances/${id}`,
      },
    });
    expect(starter.started[0]?.request).toMatchObject({
      cluster: { clusterId: CLUSTER_ID },
      traceSeconds: 45,
    });
  });

  it('answers 409 while one runs, and reruns within the cooldown only with force', async () => {
    const { starter, deps } = setUp();
    await handleRerun(post('investigations', body()), context(), deps);
    expect((await handleRerun(post('investigations', body({ force: true })), context(), deps)).status).toBe(
      409,
    );
    starter.finish(starter.started[0]?.instanceId ?? '', null);
    const recent = await handleRerun(post('investigations', body()), context(), deps);
    expect(recent.status).toBe(409);
    expect((recent.jsonBody as { error: string }).error).toBe(
      'this node was investigated lately; add "force": true to run again',
    );
    expect((await handleRerun(post('investigations', body({ force: true })), context(), deps)).status).toBe(
      202,
    );
  });

  it.each([
    [body({ nodeIp: '10.224.0.4; reboot' }), 'nodeIp: not an IP address'],
    [body({ traceSeconds: 9999 }), 'traceSeconds: Too big'],
    [
      JSON.stringify({ clusterResourceId: '../../etc/passwd', nodeName: 'x' }),
      'clusterResourceId: not an AKS managed cluster resource ID',
    ],
    [body({ nodeName: 'aks-node' }), 'give exactly one of nodeIp and nodeName'],
  ])('answers 400 naming what is wrong: %s', async (text, message) => {
    const { starter, deps } = setUp();
    const response = await handleRerun(post('investigations', text), context(), deps);
    expect(response.status).toBe(400);
    expect((response.jsonBody as { error: string }).error).toContain(message);
    expect(starter.started).toEqual([]);
  });
});

describe('GET /api/investigations/{id}', () => {
  const get = (id: string) =>
    new HttpRequest({ method: 'GET', url: `http://localhost/api/investigations/${id}`, params: { id } });

  it('reports a running investigation, then its finding and archive', async () => {
    const { starter, deps } = setUp();
    await handleRerun(
      post('investigations', JSON.stringify({ clusterResourceId: CLUSTER_ID, nodeIp: '10.224.0.4' })),
      context(),
      deps,
    );
    const id = starter.started[0]?.instanceId ?? '';
    expect((await handleStatus(get(id), context(), deps)).jsonBody).toMatchObject({
      id,
      runtimeStatus: 'Running',
      finding: null,
    });
    starter.finish(id, {
      schemaVersion: 1,
      status: 'complete',
      cluster: { id: CLUSTER_ID, name: 'aks-demo' },
      node: { name: 'aks-nodepool1-12345678-vmss000000', ip: '10.224.0.4' },
      trace: null,
      pods: [{ namespace: 'shop', name: 'checkout-5d8f7', publicEstablished: 312, tracedPublicConnects: 86 }],
      culprit: { namespace: 'shop', name: 'checkout-5d8f7' },
      snat: null,
      recommendations: [],
      warnings: [],
      archive: { location: 'https://st.blob.core.windows.net/snat-findings/aks-demo/x/' },
    });
    expect((await handleStatus(get(id), context(), deps)).jsonBody).toMatchObject({
      runtimeStatus: 'Completed',
      finding: {
        status: 'complete',
        culprit: { namespace: 'shop', name: 'checkout-5d8f7' },
        topPods: [{ name: 'checkout-5d8f7', publicEstablished: 312, tracedPublicConnects: 86 }],
      },
      archive: { location: 'https://st.blob.core.windows.net/snat-findings/aks-demo/x/' },
    });
  });

  it('answers 404 for an unknown ID and 400 for one that is not an investigation ID', async () => {
    const { deps } = setUp();
    expect((await handleStatus(get('snat-0123456789abcdef0123'), context(), deps)).status).toBe(404);
    expect(await handleStatus(get('../../admin'), context(), deps)).toEqual({
      status: 400,
      jsonBody: { error: "not an investigation ID: '../../admin'" },
    });
  });
});
