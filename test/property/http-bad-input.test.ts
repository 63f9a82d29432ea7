/**
 * Bad input at the HTTP triggers (the alert webhook, the rerun and the status endpoint): random and
 * mutated payloads each get a 4xx with a message, start nothing, and never throw; prototype-polluting keys
 * are refused or ignored without effect. Valid payloads, however odd, are still taken.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import fc from 'fast-check';
import {
  handleRerun,
  handleSnatAlert,
  handleStatus,
  type TriggerDeps,
} from '../../src/functions/http-handlers';
import type { InstanceStatus, InvestigationStarter } from '../../src/functions/starter';
import type { InvestigationRequest } from '../../src/workflow/investigation';
import {
  BAD_IPS,
  DELETE,
  deepJson,
  HUGE,
  hostileString,
  isPolluted,
  POLLUTING_KEYS,
  prototypeSnapshot,
  setAt,
  SHELL,
  Tally,
  TRAVERSAL,
  withPollutingKey,
  wrongType,
  type JsonPath,
} from '../helpers/bad-input';

const ALERTS = join(__dirname, '..', 'fixtures', 'alerts');
const FIRED = ['fired-two-nodes.json', 'fired-used-snat-ports.json', 'fired-dynamic-threshold.json'].map(
  (file) => JSON.parse(readFileSync(join(ALERTS, file), 'utf8')) as unknown,
);
const RESOLVED = JSON.parse(readFileSync(join(ALERTS, 'resolved.json'), 'utf8')) as unknown;
const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
const CLUSTER_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-demo/providers/Microsoft.ContainerService/managedClusters/aks-demo`;
const LB_ID = `/subscriptions/${SUBSCRIPTION}/resourcegroups/mc_rg-demo_aks-demo_westeurope/providers/microsoft.network/loadbalancers/kubernetes`;

/** Records every start; an instance it started is Running, so a second start of it is deduplicated. */
class RecordingStarter implements InvestigationStarter {
  readonly started: string[] = [];
  private readonly running = new Set<string>();
  status(instanceId: string): Promise<InstanceStatus | null> {
    if (!this.running.has(instanceId)) return Promise.resolve(null);
    const at = new Date('2026-11-22T10:15:00Z');
    return Promise.resolve({
      runtimeStatus: 'Running',
      createdTime: at,
      lastUpdatedTime: at,
      customStatus: null,
      output: null,
    });
  }
  start(instanceId: string, _request: InvestigationRequest): Promise<void> {
    this.started.push(instanceId);
    this.running.add(instanceId);
    return Promise.resolve();
  }
  reset(): void {
    this.started.length = 0;
    this.running.clear();
  }
}

const starter = new RecordingStarter();
const deps: TriggerDeps = {
  starter,
  now: () => new Date('2026-11-22T10:15:00Z'),
  cooldownMinutes: 15,
  traceSeconds: 30,
  privateCidrs: [],
  managementUrls: (id) => ({
    statusQueryGetUri: `http://localhost/runtime/webhooks/durabletask/instances/${id}`,
  }),
};
const context = () => new InvocationContext({ logHandler: () => undefined });
const tally = new Tally();

function post(route: string, body: string | Uint8Array): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: `http://localhost/api/${route}`,
    body: typeof body === 'string' ? { string: body } : { bytes: body },
  });
}

type Handler = typeof handleSnatAlert;

/** Runs the handler; a throw is a crash, and is returned as such rather than failing the property early. */
async function call(handler: Handler, request: HttpRequest): Promise<HttpResponseInit | Error> {
  try {
    return await handler(request, context(), deps);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** A clean refusal: a 4xx with a one-line message and no stack trace, nothing started, nothing thrown. */
function cleanlyRefused(response: HttpResponseInit | Error, startsBefore: number, status = 400): boolean {
  if (response instanceof Error) return false;
  const error = (response.jsonBody as { error?: unknown } | undefined)?.error;
  return (
    response.status === status &&
    typeof error === 'string' &&
    error.length > 0 &&
    !/\n\s+at /.test(error) &&
    starter.started.length === startsBefore
  );
}

async function refuses(target: string, handler: Handler, body: string | Uint8Array): Promise<boolean> {
  const before = starter.started.length;
  const response = await call(handler, post(target === 'alert' ? 'alerts/snat' : 'investigations', body));
  const clean = cleanlyRefused(response, before);
  tally.record(target === 'alert' ? 'POST /api/alerts/snat' : 'POST /api/investigations', clean);
  if (!clean) {
    process.stderr.write(
      `not cleanly refused (${target}): ${JSON.stringify(response instanceof Error ? response.message : response).slice(0, 400)}\n  body: ${String(body).slice(0, 300)}\n`,
    );
  }
  return clean;
}

// ---------------------------------------------------------------------------------------------------
// The alert webhook

const notAString = wrongType.filter((v) => typeof v !== 'string');
const notANumber = wrongType.filter((v) => typeof v !== 'number' && v !== null);

/** Where a SNAT alert is validated, and values each of those places must refuse. */
function alertMutation(base: unknown, fired: boolean): fc.Arbitrary<{ path: JsonPath; value: unknown }> {
  const criteria = ((base as { data: { alertContext: { condition: { allOf: unknown[] } } } }).data
    .alertContext.condition.allOf ?? []) as { dimensions: { name: string }[] }[];
  const essentials = (key: string): JsonPath => ['data', 'essentials', key];
  const at = (path: JsonPath, value: fc.Arbitrary<unknown>) => value.map((v) => ({ path, value: v }));
  const criterion = fc.nat({ max: criteria.length - 1 });
  const ipDimension = (i: number): JsonPath => {
    const j = (criteria[i]?.dimensions ?? []).findIndex((d) => d.name === 'BackendIPAddress');
    return ['data', 'alertContext', 'condition', 'allOf', i, 'dimensions', j];
  };
  const badIp = fc.oneof(fc.constantFrom(...BAD_IPS), hostileString, notAString, fc.constant(DELETE));
  const mutations: fc.Arbitrary<{ path: JsonPath; value: unknown }>[] = [
    at(
      ['schemaId'],
      fc.oneof(
        hostileString,
        wrongType,
        fc.constantFrom(DELETE, 'AzureMonitorCommonAlertSchema', 'azureMonitorCommonAlertSchema '),
      ),
    ),
    at(['data'], fc.oneof(wrongType, fc.constant(DELETE))),
    at(['data', 'essentials'], fc.oneof(wrongType, fc.constant(DELETE))),
    at(essentials('alertId'), fc.oneof(notAString, fc.constantFrom(DELETE, 'i'.repeat(1025)))),
    at(essentials('alertRule'), fc.oneof(notAString, fc.constantFrom(DELETE, 'r'.repeat(5000)))),
    at(
      essentials('signalType'),
      fc.oneof(hostileString, wrongType, fc.constantFrom(DELETE, 'Log', 'metric', 'Activity Log')),
    ),
    at(
      essentials('monitorCondition'),
      fc.oneof(hostileString, wrongType, fc.constantFrom(DELETE, 'fired', 'Acknowledged')),
    ),
    at(essentials('severity'), notAString),
    at(essentials('firedDateTime'), notAString),
    at(
      essentials('alertTargetIDs'),
      fc.oneof(
        wrongType,
        fc.constant(DELETE),
        fc.array(hostileString, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(
          SHELL.map((s) => `${LB_ID}${s}`),
          TRAVERSAL.map((t) => LB_ID.replace(/kubernetes$/, t)),
          TRAVERSAL.map((t) => LB_ID.replace('mc_rg-demo_aks-demo_westeurope', t)),
          [LB_ID.replace(SUBSCRIPTION, '$(id)')],
          [LB_ID.replace('loadbalancers', 'virtualMachines')],
          [`${LB_ID}/../../virtualMachines/x`],
          Array.from({ length: 65 }, () => LB_ID),
          [LB_ID + 'x'.repeat(1025)],
        ),
      ),
    ),
    at(['data', 'alertContext'], fc.oneof(wrongType, fc.constant(DELETE))),
    at(['data', 'alertContext', 'condition'], fc.oneof(wrongType, fc.constant(DELETE))),
    at(
      ['data', 'alertContext', 'condition', 'allOf'],
      fc.oneof(wrongType, fc.constant(DELETE), fc.constant(Array.from({ length: 65 }, () => criteria[0]))),
    ),
    criterion.chain((i) => at(['data', 'alertContext', 'condition', 'allOf', i], wrongType)),
    criterion.chain((i) =>
      at(
        ['data', 'alertContext', 'condition', 'allOf', i, 'metricName'],
        fc.oneof(
          hostileString,
          notAString,
          fc.constantFrom(DELETE, 'usedsnatports', 'Percentage CPU', 'UsedSnatPorts;id'),
        ),
      ),
    ),
    criterion.chain((i) => at(['data', 'alertContext', 'condition', 'allOf', i, 'metricValue'], notANumber)),
    criterion.chain((i) =>
      at(
        ['data', 'alertContext', 'condition', 'allOf', i, 'threshold'],
        wrongType.filter((v) => typeof v !== 'string' && typeof v !== 'number'),
      ),
    ),
    criterion.chain((i) => at([...ipDimension(i), 'value'], badIp)),
    criterion.chain((i) =>
      at(
        ['data', 'alertContext', 'condition', 'allOf', i, 'dimensions'],
        fc.oneof(fc.constant(null), fc.constant({}), fc.integer(), fc.string()),
      ),
    ),
  ];
  if (fired) {
    // Without the node dimension a fired alert names no node; a resolved one needs none.
    mutations.push(
      criterion.chain((i) =>
        at(['data', 'alertContext', 'condition', 'allOf', i, 'dimensions'], fc.constant([])),
      ),
      criterion.chain((i) =>
        at(
          [...ipDimension(i), 'name'],
          fc.oneof(hostileString, fc.constantFrom('backendipaddres', 'BackendIP')),
        ),
      ),
    );
  }
  return fc.oneof(...mutations);
}

const alertBase = fc.constantFrom(...FIRED.map((doc) => ({ doc, fired: true })), {
  doc: RESOLVED,
  fired: false,
});

describe('POST /api/alerts/snat: bad input', () => {
  const protoBefore = prototypeSnapshot();

  beforeEach(() => starter.reset());

  it('refuses a valid alert with one validated field broken (1 or 2 at once), with 400 and a message', async () => {
    await fc.assert(
      fc.asyncProperty(
        alertBase.chain(({ doc, fired }) =>
          fc.tuple(fc.constant(doc), fc.array(alertMutation(doc, fired), { minLength: 1, maxLength: 2 })),
        ),
        async ([doc, mutations]) => {
          let mutant = doc;
          for (const { path, value } of mutations) {
            try {
              mutant = setAt(mutant, path, value);
            } catch {
              // An earlier mutation removed the parent: the first alone is already invalid.
            }
          }
          return refuses('alert', handleSnatAlert, JSON.stringify(mutant) ?? '');
        },
      ),
      { numRuns: 2500 },
    );
  });

  it('refuses random JSON, random text, random bytes, deep nesting and huge bodies', async () => {
    const bodies = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom(
        '',
        ' ',
        'null',
        '"azureMonitorCommonAlertSchema"',
        '{"schemaId":"azureMonitorCommonAlertSchema"}',
        deepJson(10_000, 'array'),
        deepJson(10_000, 'object'),
        deepJson(100_000, 'array'),
        `{"schemaId":"azureMonitorCommonAlertSchema","data":${deepJson(10_000, 'object')}}`,
        `{"pad":"${HUGE}"}`,
        JSON.stringify(setAt(FIRED[0], ['data', 'essentials', 'description'], HUGE)),
        '\ufeff{}',
        '{"schemaId":"azureMonitorCommonAlertSchema","schemaId":"x"}',
      ),
    );
    await fc.assert(
      fc.asyncProperty(bodies, (body) => refuses('alert', handleSnatAlert, body)),
      { numRuns: 1000 },
    );
  });

  it('refuses a broken alert that also carries __proto__, constructor or prototype keys', async () => {
    await fc.assert(
      fc.asyncProperty(
        alertBase.chain(({ doc, fired }) =>
          fc.tuple(
            fc.constant(doc),
            alertMutation(doc, fired),
            fc.constantFrom(...POLLUTING_KEYS),
            fc.constantFrom<JsonPath>(
              [],
              ['data'],
              ['data', 'essentials'],
              ['data', 'alertContext', 'condition'],
            ),
          ),
        ),
        async ([doc, { path, value }, key, where]) => {
          let text: string;
          try {
            text = withPollutingKey(setAt(doc, path, value), where, key);
          } catch {
            return true; // the mutation removed the object the key was to go in: nothing to try
          }
          return refuses('alert', handleSnatAlert, text);
        },
      ),
      { numRuns: 500 },
    );
    expect(isPolluted()).toBe(false);
  });

  it('ignores __proto__, constructor and prototype keys in a valid alert: the same answer, nothing polluted', async () => {
    const clean = await call(handleSnatAlert, post('alerts/snat', JSON.stringify(FIRED[0])));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...POLLUTING_KEYS),
        fc.constantFrom<JsonPath>(
          [],
          ['data'],
          ['data', 'essentials'],
          ['data', 'alertContext'],
          ['data', 'alertContext', 'condition'],
          ['data', 'alertContext', 'condition', 'allOf', 0],
          ['data', 'alertContext', 'condition', 'allOf', 0, 'dimensions', 0],
        ),
        async (key, where) => {
          starter.reset();
          const response = await call(
            handleSnatAlert,
            post('alerts/snat', withPollutingKey(FIRED[0], where, key)),
          );
          const same = !(response instanceof Error) && JSON.stringify(response) === JSON.stringify(clean);
          return tally.record('POST /api/alerts/snat (polluting keys, ignored)', same && !isPolluted());
        },
      ),
      { numRuns: 100 },
    );
    expect(isPolluted()).toBe(false);
  });

  it('takes any valid fired alert: one investigation per distinct node IP', async () => {
    const ipv4 = fc.ipV4().filter((ip) => !/(^|\.)0\d/.test(ip));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(ipv4, fc.ipV6()), { minLength: 1, maxLength: 8 }), async (ips) => {
        starter.reset();
        const criteria = ips.map((ip) => ({
          metricName: 'UsedSnatPorts',
          dimensions: [{ name: 'BackendIPAddress', value: ip }],
          metricValue: 1000,
        }));
        const doc = setAt(FIRED[1], ['data', 'alertContext', 'condition', 'allOf'], criteria);
        const response = await call(handleSnatAlert, post('alerts/snat', JSON.stringify(doc)));
        if (response instanceof Error || response.status !== 202) return false;
        const body = response.jsonBody as { started: string[]; deduplicated: unknown[] };
        return (
          body.started.length === starter.started.length &&
          body.deduplicated.length === 0 &&
          body.started.length >= 1
        );
      }),
      { numRuns: 300 },
    );
  });

  afterAll(() => {
    expect(prototypeSnapshot()).toEqual(protoBefore);
  });
});

// ---------------------------------------------------------------------------------------------------
// The rerun endpoint

const VALID_RERUN = { clusterResourceId: CLUSTER_ID, nodeIp: '10.224.0.4', traceSeconds: 30, force: false };
const VALID_RERUN_BY_NAME = { clusterResourceId: CLUSTER_ID, nodeName: 'aks-nodepool1-12345678-vmss000000' };

function rerunMutation(base: Record<string, unknown>): fc.Arbitrary<{ path: JsonPath; value: unknown }> {
  const at = (key: string, value: fc.Arbitrary<unknown>) => value.map((v) => ({ path: [key], value: v }));
  const node = 'nodeIp' in base ? 'nodeIp' : 'nodeName';
  return fc.oneof(
    at(
      'clusterResourceId',
      fc.oneof(
        hostileString,
        notAString,
        fc.constantFrom(
          DELETE,
          '',
          HUGE.slice(0, 5000),
          ...SHELL.map((s) => `${CLUSTER_ID}${s}`),
          ...TRAVERSAL.map((t) => CLUSTER_ID.replace('rg-demo', t)),
          ...TRAVERSAL.map((t) => CLUSTER_ID.replace(/aks-demo$/, t)),
          CLUSTER_ID.replace('rg-demo', '..'),
          CLUSTER_ID.replace('rg-demo', 'rg.'),
          CLUSTER_ID.replace(SUBSCRIPTION, '..'),
          CLUSTER_ID.replace('managedClusters', 'virtualMachines'),
          `${CLUSTER_ID}/../../x`,
          `${CLUSTER_ID}\n`,
          ` ${CLUSTER_ID}`,
          CLUSTER_ID.replace('aks-demo', 'aks\u202edemo'),
        ),
      ),
    ),
    at(
      node,
      node === 'nodeIp'
        ? fc.oneof(fc.constantFrom(...BAD_IPS), hostileString, notAString)
        : fc.oneof(
            hostileString,
            notAString,
            fc.constantFrom(
              '',
              'Node-1',
              'node_1',
              '-node',
              'node-',
              'a..b',
              '.node',
              'n'.repeat(254),
              `${'n'.repeat(64)}.x`,
              'node.',
              'aks node',
            ),
          ),
    ),
    at(
      'traceSeconds',
      fc.oneof(
        fc.constantFrom(0, -1, 601, 2.5, 1e9, '30', null, true, [30], {}),
        fc.double().filter((d) => !Number.isInteger(d)),
      ),
    ),
    at('force', fc.oneof(fc.constantFrom('true', 1, 0, null, [], {}), fc.string())),
    // both ways to name the node, or neither
    fc.constant({
      path: ['nodeIp' === node ? 'nodeName' : 'nodeIp'],
      value: 'nodeIp' === node ? 'aks-node-1' : '10.224.0.5',
    }),
    fc.constant({ path: [node], value: DELETE }),
    // a key the request does not have
    fc
      .oneof(
        fc.constantFrom('shell', 'command', 'image', 'namespace', 'NodeIp', 'nodeip', ' nodeIp'),
        fc.string({ minLength: 1, maxLength: 10 }),
      )
      .filter(
        (k) => !['clusterResourceId', 'nodeIp', 'nodeName', 'traceSeconds', 'force', '__proto__'].includes(k),
      )
      .chain((key) => at(key, fc.oneof(hostileString, wrongType))),
  );
}

/** The node named the other way (nodeIp for nodeName or back), everything else as it was: still valid. */
function isValidSwap(base: Record<string, unknown>, mutant: Record<string, unknown>): boolean {
  const node = (r: Record<string, unknown>) => ('nodeIp' in r ? 'nodeIp' : 'nodeName');
  const others = (r: Record<string, unknown>) =>
    JSON.stringify(Object.entries(r).filter(([k]) => k !== 'nodeIp' && k !== 'nodeName'));
  return (
    'nodeIp' in mutant !== 'nodeName' in mutant &&
    node(mutant) !== node(base) &&
    (mutant.nodeIp === '10.224.0.5' || mutant.nodeName === 'aks-node-1') &&
    others(mutant) === others(base)
  );
}

describe('POST /api/investigations: bad input', () => {
  beforeEach(() => starter.reset());

  it('refuses a valid rerun with one or two fields broken, with 400 and a message', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom<Record<string, unknown>>(VALID_RERUN, VALID_RERUN_BY_NAME)
          .chain((doc) =>
            fc.tuple(fc.constant(doc), fc.array(rerunMutation(doc), { minLength: 1, maxLength: 2 })),
          ),
        async ([doc, mutations]) => {
          let mutant: unknown = doc;
          for (const { path, value } of mutations) mutant = setAt(mutant, path, value);
          // Deleting the node and adding the other kind of node swaps one valid request for another.
          if (isValidSwap(doc, mutant as Record<string, unknown>)) return true;
          return refuses('rerun', handleRerun, JSON.stringify(mutant) ?? '');
        },
      ),
      { numRuns: 2500 },
    );
  });

  it('refuses random JSON, text, bytes, deep nesting, huge bodies and polluting keys', async () => {
    const bodies = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom(
        '',
        '{}',
        '[]',
        deepJson(10_000, 'array'),
        deepJson(10_000, 'object'),
        `{"clusterResourceId":${deepJson(10_000, 'object')}}`,
        JSON.stringify({ ...VALID_RERUN, clusterResourceId: HUGE }),
        JSON.stringify({ ...VALID_RERUN, nodeIp: HUGE.slice(0, 200_000) }),
        '{"clusterResourceId":"x","traceSeconds":1e999}',
        JSON.stringify(VALID_RERUN).replace('30', '1e999'),
      ),
      fc
        .tuple(
          fc.constantFrom<Record<string, unknown>>(VALID_RERUN, VALID_RERUN_BY_NAME),
          fc.constantFrom(...POLLUTING_KEYS),
        )
        .map(([doc, key]) => withPollutingKey(doc, [], key)),
    );
    await fc.assert(
      fc.asyncProperty(bodies, (body) => refuses('rerun', handleRerun, body)),
      { numRuns: 1000 },
    );
    expect(isPolluted()).toBe(false);
  });

  it('takes any valid rerun: 202 started, or 409 while that node runs', async () => {
    const ipv4 = fc.ipV4().filter((ip) => !/(^|\.)0\d/.test(ip));
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
    const request = fc.record(
      {
        clusterResourceId: fc.constant(CLUSTER_ID),
        traceSeconds: fc.integer({ min: 1, max: 600 }),
        force: fc.boolean(),
      },
      { requiredKeys: ['clusterResourceId'] },
    );
    const node = fc.oneof(
      fc.oneof(ipv4, fc.ipV6()).map((ip) => ({ nodeIp: ip })),
      fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => ({ nodeName: labels.join('.') })),
    );
    await fc.assert(
      fc.asyncProperty(request, node, async (r, n) => {
        const response = await call(handleRerun, post('investigations', JSON.stringify({ ...r, ...n })));
        return !(response instanceof Error) && (response.status === 202 || response.status === 409);
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// The status endpoint

describe('GET /api/investigations/{id}: bad input', () => {
  it('refuses any ID that is not an investigation ID with 400, and answers 404 for an unknown one', async () => {
    const get = (id: string) =>
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/investigations/x', params: { id } });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostileString,
          fc.string({ maxLength: 40 }),
          fc.constantFrom(
            ...POLLUTING_KEYS,
            'snat-',
            `snat-${'0'.repeat(19)}`,
            `snat-${'0'.repeat(21)}`,
            `SNAT-${'0'.repeat(20)}`,
            `snat-${'0'.repeat(20)}\n`,
            `snat-${'g'.repeat(20)}`,
            HUGE,
          ),
          fc.stringMatching(/^snat-[0-9a-f]{20}$/),
        ),
        async (id) => {
          const response = await call(handleStatus, get(id));
          const known = /^snat-[0-9a-f]{20}$/.test(id);
          return tally.record(
            'GET /api/investigations/{id}',
            cleanlyRefused(response, starter.started.length, known ? 404 : 400),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

afterAll(() => {
  process.stdout.write(tally.report('HTTP triggers'));
  expect(tally.total().unclean).toBe(0);
  expect(isPolluted()).toBe(false);
});
