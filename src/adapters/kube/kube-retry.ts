import { KubeError } from './kube-error';

/**
 * How a Kubernetes API call is retried: a few attempts, the wait doubling from `baseDelayMs` (with a
 * little jitter so that parallel calls do not retry in step), a server's Retry-After honoured up to
 * `maxDelayMs`; every request bounded by `requestTimeoutMs`. During an incident the API server is often
 * throttled (429) or slow: the investigation should ride that out, and still end in bounded time.
 */
export interface KubeRetryOptions {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** The longest a request may go unanswered (for a log or an exec: until it starts). */
  readonly requestTimeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_KUBE_RETRY: KubeRetryOptions = {
  attempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  requestTimeoutMs: 20_000,
};

/** Answers worth another try: throttled, a server error, or no answer at all (status null). */
export function isTransient(status: number | null): boolean {
  return (
    status === null || status === 429 || status === 500 || status === 502 || status === 503 || status === 504
  );
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the attempts are used up; the last error is thrown.
 * `attempt` throws KubeError; its status and `retryAfterMs` (when the server sent one) decide.
 */
export async function withKubeRetry<T>(
  options: KubeRetryOptions,
  attempt: (timeoutMs: number) => Promise<T>,
): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let delay = options.baseDelayMs;
  for (let tried = 1; ; tried++) {
    try {
      return await attempt(options.requestTimeoutMs);
    } catch (error) {
      if (!(error instanceof KubeError) || !isTransient(error.status) || tried >= options.attempts)
        throw error;
      const asked = error.retryAfterMs;
      const jitter = 1 + Math.random() * 0.2;
      await sleep(Math.min(options.maxDelayMs, asked ?? delay * jitter));
      delay *= 2;
    }
  }
}

/** Bounds a promise in time: a KubeError (status null, transient) when it is not settled in `ms`. */
export function within<T>(
  ms: number,
  what: string,
  promise: Promise<T>,
  abandon?: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new KubeError(`${what}: no answer in ${ms / 1000} s`, null));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        if (late) abandon?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        // Passed on as it came (client-node rejects a refused upgrade with an ErrorEvent): the caller reads it.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        if (!late) reject(error);
      },
    );
  });
}
