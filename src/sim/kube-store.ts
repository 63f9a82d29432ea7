import type { V1Namespace, V1Node, V1Pod } from '@kubernetes/client-node';
import { paginate, type Page } from './kube-list';
import { NAMESPACE_RESOURCE, NODE_RESOURCE, POD_RESOURCE, type ResourceDescriptor } from './kube-resources';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './kube-selectors';
import { alreadyExists } from './kube-status';
import { copyObject } from './kube-wire';

/**
 * The objects the simulated API server holds, each write stamped with the next resourceVersion (one
 * counter for everything, as etcd's revision) and announced to watchers. Objects are copied in and out:
 * nobody outside holds the store's own.
 */

export type KubeObject = V1Pod | V1Node | V1Namespace;
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly type: WatchEventType;
  readonly resource: ResourceDescriptor<KubeObject>['name'];
  readonly object: KubeObject;
  /** The object before a MODIFIED, so that a watch with a selector can tell objects entering or leaving it. */
  readonly previous?: KubeObject;
  readonly resourceVersion: number;
}

export interface ListQuery {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continueToken?: string;
}

export interface ListResult<T> extends Page<T> {
  readonly resourceVersion: number;
}

/** Compiled selectors of a list or watch request: throws InputError for a malformed one. */
export function objectFilter<T extends KubeObject>(
  resource: ResourceDescriptor<T>,
  query: Pick<ListQuery, 'namespace' | 'labelSelector' | 'fieldSelector'>,
): (object: T) => boolean {
  const labels = parseLabelSelector(query.labelSelector ?? '');
  const fields = parseFieldSelector(query.fieldSelector ?? '', resource.selectableFields);
  return (object) =>
    (query.namespace === undefined || object.metadata?.namespace === query.namespace) &&
    matchesLabels(labels, object.metadata?.labels) &&
    matchesFields(fields, resource.fields(object));
}

/** How many events a watch can resume from; an older resourceVersion is answered 410 Gone. */
const HISTORY = 5000;

export class KubeStore {
  private revision = 1;
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  readonly nodes = new Collection<V1Node>(NODE_RESOURCE, this);
  readonly pods = new Collection<V1Pod>(POD_RESOURCE, this);
  readonly namespaces = new Collection<V1Namespace>(NAMESPACE_RESOURCE, this);

  get resourceVersion(): number {
    return this.revision;
  }

  /** @internal Called by the collections on every write. */
  record(event: Omit<StoreEvent, 'resourceVersion'>, stamp: (rv: number) => void): void {
    this.revision++;
    stamp(this.revision);
    const full: StoreEvent = { ...event, resourceVersion: this.revision };
    this.history.push(full);
    if (this.history.length > HISTORY) this.history.shift();
    for (const listener of this.listeners) listener(full);
  }

  /** Events after `resourceVersion`, or undefined when they are no longer kept. */
  eventsSince(resourceVersion: number): StoreEvent[] | undefined {
    const oldest = this.history[0]?.resourceVersion ?? this.revision + 1;
    if (resourceVersion < oldest - 1 && resourceVersion < this.revision) return undefined;
    return this.history.filter((e) => e.resourceVersion > resourceVersion);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export class Collection<T extends KubeObject> {
  private readonly items = new Map<string, T>();

  constructor(
    readonly resource: ResourceDescriptor<T>,
    private readonly store: KubeStore,
  ) {}

  get(key: string): T | undefined {
    const found = this.items.get(key);
    return found === undefined ? undefined : copyObject(found);
  }

  all(): T[] {
    return [...this.items.values()].map(copyObject);
  }

  /** Stores a new object; 409 AlreadyExists when its key is taken. */
  add(object: T): T {
    const key = this.resource.key(object);
    if (this.items.has(key)) throw alreadyExists(this.resource.name, object.metadata?.name ?? '');
    const stored = copyObject(object);
    this.store.record({ type: 'ADDED', resource: this.resource.name, object: stored }, (rv) =>
      stamp(stored, rv),
    );
    this.items.set(key, stored);
    return copyObject(stored);
  }

  /** Replaces the object at `key` by `update(current)`; undefined when there is none. */
  update(key: string, update: (current: T) => T): T | undefined {
    const current = this.items.get(key);
    if (current === undefined) return undefined;
    const next = copyObject(update(copyObject(current)));
    this.items.set(key, next);
    this.store.record(
      { type: 'MODIFIED', resource: this.resource.name, object: next, previous: current },
      (rv) => stamp(next, rv),
    );
    return copyObject(next);
  }

  /**
   * Removes the object at `key` and gives it back, as `finalize` makes its last state (a pod's
   * deletionTimestamp); undefined when there is none.
   */
  remove(key: string, finalize: (last: T) => T = (last) => last): T | undefined {
    const current = this.items.get(key);
    if (current === undefined) return undefined;
    this.items.delete(key);
    // A copy: the stored object may still be referenced by an earlier event in the history.
    const removed = copyObject(finalize(copyObject(current)));
    this.store.record({ type: 'DELETED', resource: this.resource.name, object: removed }, (rv) =>
      stamp(removed, rv),
    );
    return copyObject(removed);
  }

  list(query: ListQuery): ListResult<T> {
    const filter = objectFilter(this.resource, query);
    const selected = [...this.items.values()].filter(filter);
    const unfiltered = (query.labelSelector ?? '') === '' && (query.fieldSelector ?? '') === '';
    const resourceVersion = this.store.resourceVersion;
    const page = paginate(selected, (o) => this.resource.key(o), query, resourceVersion, unfiltered);
    return { ...page, items: page.items.map(copyObject), resourceVersion };
  }
}

function stamp(object: KubeObject, resourceVersion: number): void {
  object.metadata = { ...object.metadata, resourceVersion: String(resourceVersion) };
}
