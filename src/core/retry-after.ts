/** A Retry-After header (seconds, or an HTTP date) as milliseconds to wait; null without a usable one. */
export function retryAfterMs(header: string | undefined | null, now = Date.now()): number | null {
  if (header === undefined || header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
