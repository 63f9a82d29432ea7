import { createHash } from 'node:crypto';
import type { InvestigationRequest } from '../workflow/investigation';
import type { ClusterRef } from '../workflow/ports';

/** An orchestration instance as the Durable client reports it (the part the triggers read). */
export interface InstanceStatus {
  readonly runtimeStatus: string;
  readonly createdTime: Date;
  readonly lastUpdatedTime: Date;
  readonly customStatus: unknown;
  readonly output: unknown;
}

/** The Durable client as the triggers need it; a stand-in in tests. */
export interface InvestigationStarter {
  /** null when there is no such instance (durable-functions 3.x throws there: the adapter catches it). */
  status(instanceId: string): Promise<InstanceStatus | null>;
  start(instanceId: string, request: InvestigationRequest): Promise<void>;
}

export type StartOutcome =
  | { readonly outcome: 'started'; readonly instanceId: string }
  | { readonly outcome: 'running' | 'recent'; readonly instanceId: string; readonly since: string };

const ACTIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/**
 * One instance ID per (cluster, node): the key of the deduplication, the debug pod's name and part of the
 * archive folder. An alert names the cluster by its node resource group and a rerun by its resource ID,
 * so the two are told apart (a rerun can always `force`).
 */
export function instanceIdFor(cluster: ClusterRef, node: { ip: string } | { name: string }): string {
  const clusterKey =
    'clusterId' in cluster
      ? cluster.clusterId.toLowerCase()
      : `${cluster.subscriptionId}/${cluster.nodeResourceGroup}`.toLowerCase();
  const nodeKey = 'ip' in node ? `ip:${node.ip}` : `name:${node.name}`;
  return `snat-${createHash('sha256').update(`${clusterKey}|${nodeKey}`).digest('hex').slice(0, 20)}`;
}

/**
 * Starts the investigation of a node unless one is running for it, or one started within the cooldown
 * (then only `force` starts another). A finished instance's ID is reused: Durable replaces it.
 */
export async function startOnce(
  starter: InvestigationStarter,
  request: Omit<InvestigationRequest, 'investigationId'>,
  options: { readonly now: Date; readonly cooldownMinutes: number; readonly force: boolean },
): Promise<StartOutcome> {
  const instanceId = instanceIdFor(request.cluster, request.node);
  const current = await starter.status(instanceId);
  if (current !== null && ACTIVE.has(current.runtimeStatus)) {
    return { outcome: 'running', instanceId, since: current.createdTime.toISOString() };
  }
  const cooldownMs = options.cooldownMinutes * 60_000;
  if (
    current !== null &&
    !options.force &&
    options.now.getTime() - current.createdTime.getTime() < cooldownMs
  ) {
    return { outcome: 'recent', instanceId, since: current.createdTime.toISOString() };
  }
  await starter.start(instanceId, { ...request, investigationId: instanceId });
  return { outcome: 'started', instanceId };
}
