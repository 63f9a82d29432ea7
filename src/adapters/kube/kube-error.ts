import { CustomError } from '../../core/errors';

/**
 * A Kubernetes API call that failed for a reason in the world: the HTTP status when there was one. Its
 * own module, so that telling one apart does not load client-node.
 */
export class KubeError extends CustomError {
  constructor(
    message: string,
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
