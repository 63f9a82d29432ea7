import { retryAfterMs } from '../../core/retry-after';

/** What became of a card sent to Teams. The URL is a secret: it is never part of a reason. */
export interface TeamsDelivery {
  readonly posted: boolean;
  readonly attempts: number;
  readonly reason: string | null;
}

export interface TeamsWebhookOptions {
  readonly attempts?: number;
  /** The first wait between attempts; it doubles each time, and a Retry-After is honoured (capped). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Posts a message (the Adaptive Card envelope) to a Teams Workflows webhook. 429, 5xx, timeouts and
 * network errors are retried with backoff; any other answer is final. Never throws: the finding is
 * archived before this, and the caller reports a card that did not get through.
 */
export async function postToTeams(
  url: string,
  message: unknown,
  options: TeamsWebhookOptions = {},
): Promise<TeamsDelivery> {
  const attempts = options.attempts ?? 4;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  let delay = options.baseDelayMs ?? 1_000;
  let reason = 'not tried';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let wait = delay;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      if (response.ok) return { posted: true, attempts: attempt, reason: null };
      const body = (await response.text()).replace(/\s+/g, ' ').slice(0, 200);
      reason = `HTTP ${response.status}${body === '' ? '' : `: ${body}`}`;
      if (response.status !== 429 && response.status < 500)
        return { posted: false, attempts: attempt, reason };
      wait = retryAfterMs(response.headers.get('retry-after')) ?? delay;
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      reason = name === 'TimeoutError' ? 'no answer in time' : 'the webhook could not be reached';
    }
    if (attempt < attempts) await sleep(Math.min(wait, maxDelayMs));
    delay *= 2;
  }
  return { posted: false, attempts, reason };
}
