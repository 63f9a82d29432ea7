import type { ServerResponse } from 'node:http';
import type { ResourceDescriptor } from './kube-resources';
import type { KubeObject, KubeStore, StoreEvent, WatchEventType } from './kube-store';
import { KubeApiError } from './kube-status';
import { toWireJson } from './kube-wire';

/**
 * `?watch=true` on a list: a stream of `{"type","object"}` lines, as the API server sends them. Without a
 * resourceVersion (or with "0") it starts with an ADDED event per object there now; with one, from
 * the events after it, or a 410 Expired ERROR event when those are no longer kept.
 */

export interface WatchEvent<T> {
  readonly type: WatchEventType;
  readonly object: T;
}

/**
 * How a store event looks through a watch's selectors: an object that starts matching is ADDED, one
 * that stops matching is DELETED (as apiserver's cacher reports them); undefined when it concerns
 * another resource or nothing the watch selects.
 */
export function viewEvent<T extends KubeObject>(
  event: StoreEvent,
  resource: ResourceDescriptor<T>,
  selects: (object: T) => boolean,
): WatchEvent<T> | undefined {
  if (event.resource !== resource.name) return undefined;
  // Events of this resource carry objects of its type.
  const object = event.object as T;
  const now = selects(object);
  if (event.type !== 'MODIFIED' || event.previous === undefined)
    return now ? { type: event.type, object } : undefined;
  const before = selects(event.previous as T);
  if (now && before) return { type: 'MODIFIED', object };
  if (now) return { type: 'ADDED', object };
  if (before) return { type: 'DELETED', object };
  return undefined;
}

export interface WatchRequest<T extends KubeObject> {
  readonly resource: ResourceDescriptor<T>;
  readonly current: () => T[];
  readonly selects: (object: T) => boolean;
  readonly resourceVersion: string | null;
  readonly timeoutSeconds?: number;
  /** How an event's object is written: itself, or a one-row Table for `kubectl get -w`. */
  readonly encode?: (object: T) => unknown;
}

/** Streams the watch until the client leaves, `timeoutSeconds` pass, or the returned stop is called. */
export function serveWatch<T extends KubeObject>(
  res: ServerResponse,
  store: KubeStore,
  request: WatchRequest<T>,
): () => void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const encode = request.encode ?? ((object: T) => object);
  const write = (event: WatchEvent<T>) =>
    res.write(`${toWireJson({ type: event.type, object: encode(event.object) })}\n`);
  const rv = request.resourceVersion ?? '';
  if (rv === '' || rv === '0') {
    for (const object of request.current().filter(request.selects)) write({ type: 'ADDED', object });
  } else {
    const since = /^\d+$/.test(rv) ? store.eventsSince(Number(rv)) : undefined;
    if (since === undefined) {
      const error = new KubeApiError(
        410,
        'Expired',
        `too old resource version: ${rv} (${store.resourceVersion})`,
      );
      res.end(`${toWireJson({ type: 'ERROR', object: error.toStatus() })}\n`);
      return () => undefined;
    }
    for (const event of since) {
      const view = viewEvent(event, request.resource, request.selects);
      if (view !== undefined) write(view);
    }
  }
  const unsubscribe = store.subscribe((event) => {
    const view = viewEvent(event, request.resource, request.selects);
    if (view !== undefined) write(view);
  });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    clearTimeout(timer);
    res.end();
  };
  const timer = setTimeout(stop, (request.timeoutSeconds ?? 1800) * 1000);
  res.on('close', stop);
  return stop;
}
