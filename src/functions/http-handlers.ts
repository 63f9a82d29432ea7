import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { InputError } from '../core/errors';
import type { Finding } from '../core/finding';
import { parseInvestigationInput } from '../core/investigation-request';
import { parseSnatAlert } from '../core/parse-alert';
import { startOnce, type InvestigationStarter, type StartOutcome } from './starter';

/** What the triggers are given: the Durable client, the clock, the app's settings. */
export interface TriggerDeps {
  readonly starter: InvestigationStarter;
  readonly now: () => Date;
  readonly cooldownMinutes: number;
  readonly traceSeconds: number;
  readonly privateCidrs: readonly string[];
  /** Durable's status URLs for an instance (statusQueryGetUri, ...): the rerun answers with them. */
  readonly managementUrls: (instanceId: string) => Record<string, string>;
}

const MAX_BODY_BYTES = 256 * 1024;
const INSTANCE_ID = /^snat-[0-9a-f]{20}$/;

function problem(status: number, message: string): HttpResponseInit {
  return { status, jsonBody: { error: message } };
}

async function jsonBody(request: HttpRequest): Promise<unknown> {
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES)
    throw new InputError(`body larger than ${MAX_BODY_BYTES} bytes`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(`body is not JSON: ${(error as Error).message}`);
  }
}

function refused(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof InputError) return problem(400, error.message);
  context.error('request failed', error instanceof Error ? error.message : String(error));
  return problem(500, 'the request could not be handled; see the function log');
}

/**
 * POST /api/alerts/snat: an Azure Monitor alert (common schema) on the cluster's load balancer. One
 * investigation per node it names, unless one runs or ran lately for that node; a Resolved alert is
 * recorded and starts nothing. Answers fast: the action group retries after 10 s.
 */
export async function handleSnatAlert(
  request: HttpRequest,
  context: InvocationContext,
  deps: TriggerDeps,
): Promise<HttpResponseInit> {
  try {
    const alert = parseSnatAlert(await jsonBody(request));
    if (alert.condition === 'Resolved') {
      context.log(`alert ${alert.rule} resolved (${alert.alertId}): nothing started`);
      return {
        status: 200,
        jsonBody: { condition: 'Resolved', rule: alert.rule, started: [], deduplicated: [] },
      };
    }
    const now = deps.now();
    const outcomes: StartOutcome[] = [];
    for (const node of alert.nodes) {
      outcomes.push(
        await startOnce(
          deps.starter,
          {
            cluster: alert.cluster,
            node: { ip: node.ip },
            traceSeconds: deps.traceSeconds,
            privateCidrs: deps.privateCidrs,
            requestedAt: now.toISOString(),
          },
          { now, cooldownMinutes: deps.cooldownMinutes, force: false },
        ),
      );
    }
    context.log(
      `alert ${alert.rule} fired for ${alert.nodes.map((n) => n.ip).join(', ')}: ` +
        outcomes.map((o) => `${o.instanceId} ${o.outcome}`).join(', '),
    );
    return {
      status: 202,
      jsonBody: {
        condition: 'Fired',
        rule: alert.rule,
        started: outcomes.filter((o) => o.outcome === 'started').map((o) => o.instanceId),
        deduplicated: outcomes
          .filter((o) => o.outcome !== 'started')
          .map((o) => ({
            instanceId: o.instanceId,
            reason: o.outcome,
            since: 'since' in o ? o.since : null,
          })),
      },
    };
  } catch (error) {
    return refused(error, context);
  }
}

/** POST /api/investigations: an engineer's rerun, `{ clusterResourceId, nodeIp | nodeName, traceSeconds?, force? }`. */
export async function handleRerun(
  request: HttpRequest,
  context: InvocationContext,
  deps: TriggerDeps,
): Promise<HttpResponseInit> {
  try {
    const input = parseInvestigationInput(await jsonBody(request));
    const now = deps.now();
    const outcome = await startOnce(
      deps.starter,
      {
        cluster: { clusterId: input.clusterResourceId },
        node: input.nodeIp !== undefined ? { ip: input.nodeIp } : { name: input.nodeName ?? '' },
        traceSeconds: input.traceSeconds,
        privateCidrs: deps.privateCidrs,
        requestedAt: now.toISOString(),
      },
      { now, cooldownMinutes: deps.cooldownMinutes, force: input.force },
    );
    const urls = deps.managementUrls(outcome.instanceId);
    if (outcome.outcome === 'started') {
      return {
        status: 202,
        headers: urls.statusQueryGetUri === undefined ? {} : { Location: urls.statusQueryGetUri },
        jsonBody: { id: outcome.instanceId, outcome: 'started', ...urls },
      };
    }
    const why =
      outcome.outcome === 'running'
        ? 'an investigation of this node is running'
        : 'this node was investigated lately; add "force": true to run again';
    return {
      status: 409,
      jsonBody: {
        id: outcome.instanceId,
        outcome: outcome.outcome,
        since: outcome.since,
        error: why,
        ...urls,
      },
    };
  } catch (error) {
    return refused(error, context);
  }
}

/** GET /api/investigations/{id}: where it is, and when done the finding's summary and archive link. */
export async function handleStatus(
  request: HttpRequest,
  context: InvocationContext,
  deps: TriggerDeps,
): Promise<HttpResponseInit> {
  try {
    const id = request.params.id ?? '';
    if (!INSTANCE_ID.test(id)) return problem(400, `not an investigation ID: '${id.slice(0, 80)}'`);
    const status = await deps.starter.status(id);
    if (status === null) return problem(404, `no investigation ${id}`);
    const finding = status.runtimeStatus === 'Completed' ? (status.output as Finding | null) : null;
    return {
      status: 200,
      jsonBody: {
        id,
        runtimeStatus: status.runtimeStatus,
        createdTime: status.createdTime.toISOString(),
        lastUpdatedTime: status.lastUpdatedTime.toISOString(),
        progress: status.customStatus ?? null,
        finding:
          finding === null
            ? null
            : {
                status: finding.status,
                cluster: finding.cluster,
                node: finding.node,
                culprit: finding.culprit,
                topPods: finding.pods.slice(0, 5).map((p) => ({
                  namespace: p.namespace,
                  name: p.name,
                  publicEstablished: p.publicEstablished,
                  tracedPublicConnects: p.tracedPublicConnects,
                })),
                snat: finding.snat,
                warnings: finding.warnings,
              },
        archive: finding?.archive ?? null,
      },
    };
  } catch (error) {
    return refused(error, context);
  }
}
