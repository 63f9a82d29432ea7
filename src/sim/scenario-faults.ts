/**
 * The faults a scenario can inject (`"faults": {...}`), so that the responder meets, on purpose, what an
 * incident brings: a throttled or failing API server, refused execs, a debug pod that never runs, a node
 * scaled away mid-trace, ARM throttling, missing metrics, a failing Teams webhook, Blob down.
 * Every field is optional; a scenario without `faults` is the DESIGN.md section 4 scenario, unchanged.
 */
import { z } from 'zod';
import { rng, type Rng } from './random';

/** What a failing endpoint answers: an HTTP status, or `timeout` (the request is held, never answered). */
const failureSchema = z.union([
  z.literal(429),
  z.literal(500),
  z.literal(502),
  z.literal(503),
  z.literal(504),
  z.literal('timeout'),
]);

/** A fault of an HTTP endpoint: `status` on a share `rate` of requests, at most `count` times. */
const httpFaultSchema = z.strictObject({
  status: failureSchema,
  /** The share of requests that fail, drawn from the scenario's seed; 1 (every one) by default. */
  rate: z.number().gt(0).lte(1).default(1),
  /** At most this many failures, then the endpoint recovers; unbounded by default. */
  count: z.number().int().min(1).max(1_000_000).optional(),
  /** Sent with 429 and 503 answers. */
  retryAfterSeconds: z.number().int().min(0).max(120).optional(),
});

export const faultsSchema = z.strictObject({
  /** Every Kubernetes API request (REST, log, exec upgrade). */
  kubeApi: httpFaultSchema.optional(),
  /** Exec into any pod is forbidden (403), as under a policy that denies `pods/exec`. */
  exec: z.literal('refused').optional(),
  /** Pods created through the API never run: stuck ContainerCreating, or their image cannot be pulled. */
  debugPod: z.enum(['pending', 'imagePullBackOff']).optional(),
  /** The debug pod's node is deleted (with its pods) this many seconds after the debug pod is created. */
  nodeRemoved: z.strictObject({ afterSeconds: z.number().min(0).max(3600) }).optional(),
  /** Every ARM request (the managed cluster, its credentials, the load balancer, its metrics). */
  arm: httpFaultSchema.optional(),
  /** The load balancer's metrics come back without data (a new LB, or Monitor behind). */
  metrics: z.literal('missing').optional(),
  /**
   * What tcptracer meets on the nodes: no kernel headers for the running kernel (the BPF compile fails),
   * or a compile that outgrows the debug pod's memory limit (the OOM killer, SIGKILL).
   */
  tracer: z.enum(['kernelHeadersMissing', 'oomKilled']).optional(),
  /** The Teams Workflows webhook. */
  teams: httpFaultSchema.optional(),
  /** The archive's Blob storage: writes fail (as with a 503 ServerBusy) on a share of them. */
  blob: httpFaultSchema.omit({ retryAfterSeconds: true }).optional(),
});

export type HttpFault = z.output<typeof httpFaultSchema>;
export type Faults = z.output<typeof faultsSchema>;

/** One endpoint's fault plan: asked per request whether this one fails, and how. */
export class FaultPlan {
  private readonly random: Rng;
  private injected = 0;

  constructor(
    private readonly fault: HttpFault | undefined,
    seed: number,
    endpoint: string,
  ) {
    this.random = rng(seed, 'fault', endpoint);
  }

  /** The failure for this request, or null to serve it. */
  next(): { readonly status: number | 'timeout'; readonly retryAfterSeconds?: number } | null {
    const fault = this.fault;
    if (fault === undefined) return null;
    if (fault.count !== undefined && this.injected >= fault.count) return null;
    if (this.random.next() >= fault.rate) return null;
    this.injected++;
    const retryAfter =
      fault.retryAfterSeconds !== undefined && (fault.status === 429 || fault.status === 503)
        ? { retryAfterSeconds: fault.retryAfterSeconds }
        : {};
    return { status: fault.status, ...retryAfter };
  }

  /** How many failures it has injected so far. */
  get count(): number {
    return this.injected;
  }
}
