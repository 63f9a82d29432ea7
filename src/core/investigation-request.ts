import { z } from 'zod';
import { InputError } from './errors';
import { formatIp, parseIp } from './ip-address';
import { isDns1123Subdomain } from './validate-names';

/** The longest trace the responder runs: the debug pod and the card must not wait longer. */
export const MAX_TRACE_SECONDS = 600;
export const DEFAULT_TRACE_SECONDS = 30;

// A resource group name may not end in a period (Azure's rule): `..` is no group, it climbs the ARM path.
const MANAGED_CLUSTER_ID =
  /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{0,89}[-\w()]\/providers\/Microsoft\.ContainerService\/managedClusters\/[a-zA-Z0-9][-_a-zA-Z0-9]{0,62}$/i;

/**
 * A node's IP as an alert or a request gives it, in canonical form; null unless the text is an address and
 * nothing else. The tools' forms (brackets, an IPv6 zone) are not taken here: a zone is free text
 * (`fe80::1%;id`) and a node's InternalIP never has one.
 */
export function canonicalNodeIp(text: string): string | null {
  if (!/^[0-9A-Fa-f:.]{2,45}$/.test(text)) return null;
  const ip = parseIp(text);
  return ip === null ? null : formatIp(ip);
}

/** A node's IP as requests and steps carry it. */
export const nodeIpSchema = z.string().refine((ip) => canonicalNodeIp(ip) !== null, 'not an IP address');
/** A node's name: a DNS-1123 subdomain. */
export const nodeNameSchema = z.string().refine(isDns1123Subdomain, 'not a node name (DNS-1123)');
/** How long tcptracer runs, in whole seconds. */
export const traceSecondsSchema = z.number().int('must be a whole number').min(1).max(MAX_TRACE_SECONDS);

const schema = z
  .object({
    clusterResourceId: z.string().regex(MANAGED_CLUSTER_ID, 'not an AKS managed cluster resource ID'),
    // Canonical, so that `FD00::1` and `fd00::1` are one node (one instance ID, one deduplication).
    nodeIp: nodeIpSchema.transform((ip) => canonicalNodeIp(ip) ?? ip).optional(),
    nodeName: nodeNameSchema.optional(),
    traceSeconds: traceSecondsSchema.default(DEFAULT_TRACE_SECONDS),
    force: z.boolean().default(false),
  })
  .strict()
  .refine((r) => (r.nodeIp === undefined) !== (r.nodeName === undefined), {
    message: 'give exactly one of nodeIp and nodeName',
    path: ['nodeIp'],
  });

export type InvestigationInput = z.infer<typeof schema>;

/**
 * Validates a rerun request (HTTP body or CLI flags) in one pass; every problem is named in one line,
 * e.g. `nodeIp: not an IP address; traceSeconds: must be a whole number`.
 */
export function parseInvestigationInput(value: unknown): InvestigationInput {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`,
  );
  throw new InputError(problems.join('; '));
}
