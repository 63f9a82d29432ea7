import { CustomError } from '../../core/errors';

/**
 * A Kubernetes API call that failed for a reason in the world: the HTTP status when there was one (null:
 * no answer), and how long the server asked to be left alone (Retry-After). Its own module, so that
 * telling one apart does not load client-node.
 */
export class KubeError extends CustomError {
  readonly retryAfterMs: number | null;

  constructor(
    message: string,
    readonly status: number | null,
    options?: { cause?: unknown; retryAfterMs?: number | null },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterMs = options?.retryAfterMs ?? null;
  }
}
