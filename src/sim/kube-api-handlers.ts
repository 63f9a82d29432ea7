import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { V1Namespace, V1Node, V1Pod } from '@kubernetes/client-node';
import { tailLines } from './container-log';
import { apiGroupList, apiVersions, coreV1Resources, versionInfo } from './kube-discovery';
import { chooseExecProtocol } from './kube-exec';
import { readBody, sendJson } from './kube-http';
import { parseLimit } from './kube-list';
import { parsePodBody } from './kube-pod-body';
import type { PodLifecycle } from './kube-pod-lifecycle';
import { defaultNewPod } from './kube-pod-status';
import { objectKey } from './kube-resources';
import { matchRoute, queryFlag, type Route } from './kube-routes';
import { type Collection, type KubeObject, type KubeStore, objectFilter } from './kube-store';
import { badRequest, methodNotAllowed, notFound, pathNotFound } from './kube-status';
import {
  namespaceTable,
  negotiateTable,
  nodeTable,
  parseIncludeObject,
  podTable,
  type Table,
  type TableOptions,
} from './kube-table';
import { serveWatch } from './kube-watch';

/**
 * The REST side of the simulated API server: a request's route and method to the store, the pod
 * lifecycle and the renderers. Authentication and the socket plumbing stay in kube-api-server.ts.
 */

type ResourceRoute = Route & { kind: 'collection' | 'object' };

export interface KubeApiContext {
  readonly store: KubeStore;
  readonly lifecycle: PodLifecycle;
  readonly clock: () => Date;
  /** host:port as clients reach the server (for /api's serverAddressByClientCIDRs). */
  readonly address: () => string;
}

/** An exec request that passed every check: what to run, where, and which streams to send back. */
export interface ExecTarget {
  readonly pod: V1Pod;
  readonly container: string;
  readonly command: readonly string[];
  readonly streams: { readonly stdout: boolean; readonly stderr: boolean };
}

const LIST_KINDS = { pods: 'PodList', nodes: 'NodeList', namespaces: 'NamespaceList' } as const;

function tableContentType(table: TableOptions): string {
  return `application/json;as=Table;v=${table.version};g=meta.k8s.io`;
}

function renderTable(route: ResourceRoute, objects: KubeObject[], table: TableOptions): Table {
  // A route's objects come from the collection of its resource.
  switch (route.resource) {
    case 'pods':
      return podTable(objects as V1Pod[], table);
    case 'nodes':
      return nodeTable(objects as V1Node[], table);
    case 'namespaces':
      return namespaceTable(objects as V1Namespace[], table);
  }
}

export class KubeApiHandlers {
  private readonly watches = new Set<() => void>();

  constructor(private readonly context: KubeApiContext) {}

  /** Answers one authenticated request (exec upgrades aside); errors are thrown for the caller to send. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = matchRoute(url.pathname);
    if (route === undefined) throw pathNotFound();
    const method = req.method ?? 'GET';
    const only = (...allowed: string[]) => {
      if (!allowed.includes(method)) throw methodNotAllowed();
    };
    switch (route.kind) {
      case 'version':
        only('GET');
        return sendJson(res, 200, versionInfo());
      case 'api':
        only('GET');
        return sendJson(res, 200, apiVersions(this.context.address()));
      case 'apis':
        only('GET');
        return sendJson(res, 200, apiGroupList());
      case 'coreV1':
        only('GET');
        return sendJson(res, 200, coreV1Resources());
      case 'health':
        only('GET');
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      case 'collection':
        if (method === 'POST' && route.resource === 'pods' && route.namespace !== undefined) {
          return this.create(req, res, route.namespace);
        }
        only('GET');
        return this.list(req, res, url, route);
      case 'object':
        if (method === 'DELETE' && route.resource === 'pods' && route.namespace !== undefined) {
          return this.remove(res, route.namespace, route.name);
        }
        only('GET');
        return this.get(req, res, url, route);
      case 'log':
        only('GET');
        return this.logs(res, url, route.namespace, route.name);
      case 'exec':
        only('GET', 'POST');
        throw badRequest('Upgrade request required');
    }
  }

  /**
   * Checks an exec request before its WebSocket is accepted, in the order the API server (pod, container,
   * node) and then the kubelet (state, command, streams, protocol) do; a refusal is thrown and answered as
   * plain HTTP. The pod checks come first so that kubectl, which retries a refused WebSocket upgrade over
   * SPDY, still shows the real reason.
   */
  execTarget(req: IncomingMessage): ExecTarget {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = matchRoute(url.pathname);
    if (route?.kind !== 'exec') throw pathNotFound();
    const params = url.searchParams;
    const pod = this.pod(route.namespace, route.name);
    const container = containerOf(pod, params.get('container'));
    if ((pod.spec?.nodeName ?? '') === '')
      throw badRequest(`pod ${route.name} does not have a host assigned`);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    }
    if (phase !== 'Running')
      throw badRequest(`unable to upgrade connection: container not found ("${container}")`);
    const command = params.getAll('command');
    if (command.length === 0) throw badRequest('you must specify at least 1 command');
    const streams = { stdout: queryFlag(params.get('stdout')), stderr: queryFlag(params.get('stderr')) };
    if (!streams.stdout && !streams.stderr && !queryFlag(params.get('stdin'))) {
      throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
    }
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      throw badRequest(
        'this simulator speaks the WebSocket exec protocols (v5.channel.k8s.io, v4.channel.k8s.io), not SPDY',
      );
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (chooseExecProtocol(offered) === undefined) {
      throw badRequest(
        `unable to upgrade: none of the requested subprotocols [${offered.join(' ')}] is supported`,
      );
    }
    return { pod, container, command, streams };
  }

  /** Ends every open watch (the server is closing). */
  closeWatches(): void {
    for (const stop of [...this.watches]) stop();
  }

  private collection(route: ResourceRoute): Collection<KubeObject> {
    return this.context.store[route.resource];
  }

  private pod(namespace: string, name: string): V1Pod {
    const pod = this.context.store.pods.get(objectKey(namespace, name));
    if (pod === undefined) throw notFound('pods', name);
    return pod;
  }

  /** A Table when the Accept header asks for one (kubectl get), else undefined for plain JSON. */
  private tableOptions(
    req: IncomingMessage,
    url: URL,
    metadata: Table['metadata'],
  ): TableOptions | undefined {
    const version = negotiateTable(req.headers.accept);
    if (version === undefined) return undefined;
    const includeObject = parseIncludeObject(url.searchParams.get('includeObject'));
    return { version, includeObject, now: this.context.clock(), metadata };
  }

  private get(req: IncomingMessage, res: ServerResponse, url: URL, route: Route & { kind: 'object' }): void {
    const object = this.collection(route).get(objectKey(route.namespace, route.name));
    if (object === undefined) throw notFound(route.resource, route.name);
    const table = this.tableOptions(req, url, { resourceVersion: object.metadata?.resourceVersion ?? '' });
    if (table === undefined) sendJson(res, 200, object);
    else sendJson(res, 200, renderTable(route, [object], table), tableContentType(table));
  }

  private list(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    route: Route & { kind: 'collection' },
  ): void {
    const params = url.searchParams;
    const query = {
      ...(route.namespace === undefined ? {} : { namespace: route.namespace }),
      labelSelector: params.get('labelSelector') ?? '',
      fieldSelector: params.get('fieldSelector') ?? '',
    };
    if (queryFlag(params.get('watch'))) return this.watch(req, res, url, route, query);
    const limit = parseLimit(params.get('limit'));
    const continueToken = params.get('continue') || undefined;
    const result = this.collection(route).list({
      ...query,
      ...(limit === undefined ? {} : { limit }),
      ...(continueToken === undefined ? {} : { continueToken }),
    });
    const metadata = {
      resourceVersion: String(result.resourceVersion),
      ...(result.continueToken === undefined ? {} : { continue: result.continueToken }),
      ...(result.remainingItemCount === undefined ? {} : { remainingItemCount: result.remainingItemCount }),
    };
    const table = this.tableOptions(req, url, metadata);
    if (table !== undefined) {
      sendJson(res, 200, renderTable(route, result.items, table), tableContentType(table));
      return;
    }
    sendJson(res, 200, { kind: LIST_KINDS[route.resource], apiVersion: 'v1', metadata, items: result.items });
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    route: Route & { kind: 'collection' },
    query: { namespace?: string; labelSelector: string; fieldSelector: string },
  ): void {
    const collection = this.collection(route);
    const selects = objectFilter(collection.resource, query);
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? '');
    const table = this.tableOptions(req, url, {});
    // kubectl get -w asks for Tables: each event then carries a one-row Table of its object.
    const encode =
      table === undefined
        ? undefined
        : (object: KubeObject) =>
            renderTable(route, [object], {
              ...table,
              now: this.context.clock(),
              metadata: { resourceVersion: object.metadata?.resourceVersion ?? '' },
            });
    const stop = serveWatch(res, this.context.store, {
      resource: collection.resource,
      current: () => collection.all(),
      selects,
      resourceVersion: url.searchParams.get('resourceVersion'),
      ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutSeconds: timeout } : {}),
      ...(encode === undefined ? {} : { encode }),
    });
    this.watches.add(stop);
    res.on('close', () => this.watches.delete(stop));
  }

  private async create(req: IncomingMessage, res: ServerResponse, namespace: string): Promise<void> {
    const { store, lifecycle, clock } = this.context;
    const body = parsePodBody(await readBody(req), namespace);
    if (store.namespaces.get(namespace) === undefined) throw notFound('namespaces', namespace);
    const created = store.pods.add(defaultNewPod(body, { namespace, uid: randomUUID(), now: clock() }));
    lifecycle.admit(created);
    sendJson(res, 201, created);
  }

  /** Deletes at once, whatever the grace period: the pod is gone when the call returns. */
  private remove(res: ServerResponse, namespace: string, name: string): void {
    const { store, lifecycle, clock } = this.context;
    const key = objectKey(namespace, name);
    const removed = store.pods.remove(key, (pod) => ({
      ...pod,
      metadata: { ...pod.metadata, deletionTimestamp: clock(), deletionGracePeriodSeconds: 0 },
    }));
    if (removed === undefined) throw notFound('pods', name);
    lifecycle.forget(key);
    sendJson(res, 200, removed);
  }

  private logs(res: ServerResponse, url: URL, namespace: string, name: string): void {
    const pod = this.pod(namespace, name);
    const container = containerOf(pod, url.searchParams.get('container'));
    const status = pod.status?.containerStatuses?.find((s) => s.name === container);
    if (pod.status?.phase === 'Pending' && status?.state?.terminated === undefined) {
      const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
      throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
    }
    const tail = url.searchParams.get('tailLines');
    const log = this.context.lifecycle.log(pod, container);
    const text = tailLines(log.text, tail === null ? undefined : Number(tail));
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    if (!queryFlag(url.searchParams.get('follow'))) {
      // limitBytes: the first N bytes of what would be sent (PodLogOptions), not the last.
      const limit = url.searchParams.get('limitBytes');
      const bytes = Buffer.from(text, 'utf8');
      res.end(limit !== null && /^\d+$/.test(limit) ? bytes.subarray(0, Number(limit)) : bytes);
      return;
    }
    // Headers now, so that the client sees the stream open before the container writes anything.
    res.flushHeaders();
    if (text !== '') res.write(text);
    const unfollow = log.follow({ onChunk: (chunk) => res.write(chunk), onEnd: () => res.end() });
    res.on('close', unfollow);
  }
}

/** The container a log or exec request means: the one named, or the pod's only one. */
function containerOf(pod: V1Pod, requested: string | null): string {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const podName = pod.metadata?.name ?? '';
  if (requested === null || requested === '') {
    if (names.length === 1 && names[0] !== undefined) return names[0];
    throw badRequest(
      `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]`,
    );
  }
  if (!names.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${podName}`);
  return requested;
}
