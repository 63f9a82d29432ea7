import { z } from 'zod';
import { isCidr } from '../core/classify-ip';
import { InputError } from '../core/errors';
import type { ClusterInfo, KubePort, StepPorts } from '../workflow/ports';

/**
 * One step of the investigation that touches the world: a Durable activity in Azure, a plain call in the
 * CLI. Its input and output are plain, secret-free JSON (Durable keeps them in its history); credentials
 * are fetched inside, from the ports.
 */
export interface Activity<S extends z.ZodType, O> {
  readonly name: string;
  readonly input: S;
  readonly run: (input: z.output<S>, ports: StepPorts) => Promise<O>;
}

export function defineActivity<S extends z.ZodType, O>(activity: Activity<S, O>): Activity<S, O> {
  return activity;
}

/** Checks an activity's input against its schema: one line naming every problem. */
export function parseActivityInput<S extends z.ZodType>(
  activity: { readonly name: string; readonly input: S },
  input: unknown,
): z.output<S> {
  const result = activity.input.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
  throw new InputError(`activity ${activity.name}: ${problems.join('; ')}`);
}

const text = z.string().min(1).max(1024);
const count = z.number().int().min(0);

export const clusterInfoSchema = z.object({
  id: text,
  name: text,
  resourceGroup: text,
  subscriptionId: text,
  nodeResourceGroup: text,
  aadEnabled: z.boolean(),
  outbound: z.object({
    type: text,
    outboundIps: count,
    allocatedOutboundPorts: count,
    idleTimeoutMinutes: count,
  }),
  nodeCount: count,
}) satisfies z.ZodType<ClusterInfo>;

export const podRefSchema = z.object({ namespace: text, name: text });

export const nodePodSchema = podRefSchema.extend({
  ips: z.array(text).readonly(),
  hostNetwork: z.boolean(),
  containers: z.array(text).max(100).readonly().optional(),
});

/** An archive folder, `<cluster>/<node>/<stamp>-<id>`: relative, no empty or dot segments. */
export const archiveFolderSchema = z
  .string()
  .max(1024)
  .regex(/^(?:[\w.:-]+\/)*[\w.:-]+$/, 'not an archive folder')
  .refine(
    (folder) => folder.split('/').every((part) => part !== '.' && part !== '..'),
    'not an archive folder',
  );

export const privateCidrsSchema = z.array(z.string().max(64).refine(isCidr, 'not a CIDR')).max(256);

export const investigationIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][-\w.:]{0,127}$/, 'not an investigation ID');

/** The cluster's API server, through a kubeconfig that never leaves this activity. */
export async function kubeFor(ports: StepPorts, cluster: ClusterInfo): Promise<KubePort> {
  return ports.kube(await ports.azure.kubeconfig(cluster));
}
