import { createHash } from 'node:crypto';
import { CustomError } from '../core/errors';
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

/**
 * Durable refused to start an instance because one with that ID is active (its default
 * overridableExistingInstanceStates): another trigger started it between our status check and our start.
 */
export class InstanceExistsError extends CustomError {}

/** The Durable client as the triggers need it; a stand-in in tests. */
export interface InvestigationStarter {
  /** null when there is no such instance (durable-functions 3.x throws there: the adapter catches it). */
  status(instanceId: string): Promise<InstanceStatus | null>;
  /** Throws InstanceExistsError when an instance with this ID is active. */
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
 * (then only `force` starts another). A finished instance's ID is reused: Durable replaces it. The check
 * and the start are two calls, so two alerts at once may both find no instance: Durable starts the first
 * and refuses the second, which is then a deduplication, not an error.
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
  try {
    await starter.start(instanceId, { ...request, investigationId: instanceId });
  } catch (error) {
    if (!(error instanceof InstanceExistsError)) throw error;
    const winner = await starter.status(instanceId);
    return {
      outcome: 'running',
      instanceId,
      since: (winner?.createdTime ?? options.now).toISOString(),
    };
  }
  return { outcome: 'started', instanceId };
}
