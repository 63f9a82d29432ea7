import { z } from 'zod';
import { InputError } from './errors';
import { canonicalNodeIp } from './investigation-request';
import { LOAD_BALANCER_TYPE, parseResourceId } from './resource-id';

/** The load balancer metrics a SNAT alert may be set on (DESIGN.md section 1). */
export const SNAT_METRICS = ['UsedSnatPorts', 'AllocatedSnatPorts', 'SnatConnectionCount'] as const;
/** The dimension the alert rule is split by: one alert, and one investigation, per node. */
export const NODE_DIMENSION = 'BackendIPAddress';
/** Beyond this many nodes in one alert, the payload is not taken as a SNAT alert of one cluster. */
const MAX_NODES = 1000;

const shortText = z.string().max(1024);

const criterion = z.object({
  metricName: z.string().max(256),
  metricNamespace: z.string().max(256).optional(),
  operator: z.string().max(64).optional(),
  threshold: z.union([z.string().max(64), z.number()]).optional(),
  timeAggregation: z.string().max(64).optional(),
  dimensions: z.array(z.object({ name: z.string().max(256), value: z.string().max(256) })).max(64),
  metricValue: z.number().nullable().optional(),
});

const schema = z.object({
  schemaId: z.literal('azureMonitorCommonAlertSchema', 'not the common alert schema'),
  data: z.object({
    essentials: z.object({
      alertId: shortText,
      alertRule: shortText,
      severity: shortText.optional(),
      signalType: z.literal('Metric', 'only metric alerts start investigations'),
      monitorCondition: z.enum(['Fired', 'Resolved']),
      alertTargetIDs: z.array(shortText).min(1).max(64),
      firedDateTime: shortText.optional(),
      resolvedDateTime: shortText.nullable().optional(),
    }),
    alertContext: z.object({
      conditionType: shortText.optional(),
      condition: z.object({ allOf: z.array(criterion).min(1).max(64) }),
    }),
  }),
});

/** One investigation an alert asks for: the node, and what it breached. */
export interface AlertedNode {
  readonly ip: string;
  readonly metric: string;
  readonly value: number | null;
  readonly threshold: string | null;
}

export interface SnatAlert {
  readonly condition: 'Fired' | 'Resolved';
  readonly alertId: string;
  readonly rule: string;
  readonly firedAt: string | null;
  /** The `kubernetes` load balancer the alert is on. */
  readonly loadBalancerId: string;
  /** Where its cluster is found: the load balancer's resource group is the cluster's node resource group. */
  readonly cluster: { readonly subscriptionId: string; readonly nodeResourceGroup: string };
  /** Distinct nodes, in the alert's order; empty for a Resolved alert. */
  readonly nodes: readonly AlertedNode[];
}

function issues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`).join('; ');
}

/**
 * Reads an Azure Monitor alert (common alert schema) on the cluster's load balancer SNAT metrics, split by
 * BackendIPAddress. Throws InputError, naming what is wrong, for anything else: another schema or signal,
 * a target that is not a load balancer, another metric, no node dimension, a node value that is no IP.
 */
export function parseSnatAlert(payload: unknown): SnatAlert {
  const result = schema.safeParse(payload);
  if (!result.success) throw new InputError(`not a SNAT alert: ${issues(result.error)}`);
  const { essentials, alertContext } = result.data.data;

  const loadBalancerId = essentials.alertTargetIDs.find((id) =>
    id.toLowerCase().includes(`/providers/${LOAD_BALANCER_TYPE.toLowerCase()}/`),
  );
  if (loadBalancerId === undefined) {
    throw new InputError(
      `not a SNAT alert: data.essentials.alertTargetIDs: no load balancer among ${essentials.alertTargetIDs.join(', ')}`,
    );
  }
  const lb = parseResourceId(loadBalancerId, LOAD_BALANCER_TYPE);

  const nodes: AlertedNode[] = [];
  for (const [index, c] of alertContext.condition.allOf.entries()) {
    const where = `data.alertContext.condition.allOf.${index}`;
    if (!(SNAT_METRICS as readonly string[]).includes(c.metricName)) {
      throw new InputError(
        `not a SNAT alert: ${where}.metricName: '${c.metricName}' is not one of ${SNAT_METRICS.join(', ')}`,
      );
    }
    const dimension = c.dimensions.find((d) => d.name.toLowerCase() === NODE_DIMENSION.toLowerCase());
    if (dimension === undefined) {
      if (essentials.monitorCondition === 'Resolved') continue;
      throw new InputError(
        `not a SNAT alert: ${where}.dimensions: no ${NODE_DIMENSION} (split the alert rule by ${NODE_DIMENSION}, one alert per node)`,
      );
    }
    const text = canonicalNodeIp(dimension.value);
    if (text === null) {
      throw new InputError(
        `not a SNAT alert: ${where}.dimensions: ${NODE_DIMENSION} '${dimension.value}' is not an IP address`,
      );
    }
    if (nodes.some((n) => n.ip === text)) continue;
    nodes.push({
      ip: text,
      metric: c.metricName,
      value: c.metricValue ?? null,
      threshold: c.threshold === undefined ? null : String(c.threshold),
    });
  }
  if (nodes.length > MAX_NODES) throw new InputError(`not a SNAT alert: ${nodes.length} nodes in one alert`);
  return {
    condition: essentials.monitorCondition,
    alertId: essentials.alertId,
    rule: essentials.alertRule,
    firedAt: essentials.firedDateTime ?? null,
    loadBalancerId,
    cluster: { subscriptionId: lb.subscriptionId, nodeResourceGroup: lb.resourceGroup },
    nodes: essentials.monitorCondition === 'Resolved' ? [] : nodes,
  };
}
