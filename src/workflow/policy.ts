/**
 * How both drivers run the workflow's steps: one retry policy, one deadline. Durable's callActivityWithRetry
 * and the local driver read these, so a step gets the same chances in Azure as on a laptop.
 */

/** Transient failures past the adapters' own retries (API 429/5xx, a dropped WebSocket): 3 attempts. */
export const STEP_RETRY = { attempts: 3, firstDelayMs: 5_000, backoff: 2, maxDelayMs: 30_000 } as const;

/** Beyond the trace window, what the whole investigation may take before it gives up on new steps. */
export const DEADLINE_MARGIN_MS = 15 * 60_000;

/** Steps that run even past the deadline: the debug pod must go, and the finding be kept and sent. */
export const ALWAYS_RUN: ReadonlySet<string> = new Set(['deleteDebugPod', 'archiveFinding', 'postCard']);

/** The wait before retry `attempt` (1 = the first retry). */
export function retryDelayMs(attempt: number): number {
  return Math.min(STEP_RETRY.maxDelayMs, STEP_RETRY.firstDelayMs * STEP_RETRY.backoff ** (attempt - 1));
}

export class DeadlineError extends Error {
  constructor(activity: string) {
    super(`the investigation ran past its deadline before ${activity}`);
    this.name = 'DeadlineError';
  }
}
