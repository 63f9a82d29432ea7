/**
 * How objects go on the wire. The server holds client-node model objects (V1Pod, V1Node), whose
 * timestamps are Date; the real API server writes them as RFC 3339 with whole seconds.
 */

/** `2024-05-01T10:00:00Z`: a metav1.Time as the API server writes it. */
export function formatKubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** JSON text of a Kubernetes object or list, Dates written as metav1.Time. */
export function toWireJson(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, key: string, converted: unknown): unknown {
    // The replacer sees a Date already turned into its toJSON string; the holder still has the Date.
    const original = (this as Record<string, unknown>)[key];
    return original instanceof Date ? formatKubeTime(original) : converted;
  });
}

/** A deep copy that keeps Dates as Dates, so callers never hold the server's own objects. */
export function copyObject<T>(value: T): T {
  return structuredClone(value);
}
