import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { V1Namespace, V1Node, V1Pod } from '@kubernetes/client-node';
import { WebSocketServer } from 'ws';
import { stringify } from 'yaml';
import { type ExecTarget, KubeApiHandlers } from './kube-api-handlers';
import { chooseExecProtocol, serveExec } from './kube-exec';
import { rejectUpgrade, sendError } from './kube-http';
import { PodLifecycle } from './kube-pod-lifecycle';
import { normalizeExistingPod } from './kube-pod-status';
import { KubeStore } from './kube-store';
import { injectFault, injectUpgradeFault, type KubeApiFaults } from './kube-faults';
import type { PodFaults } from './kube-pod-lifecycle';
import { unauthorized } from './kube-status';
import { localhostCertificate } from './localhost-certificate';
import type { PodRuntime } from './pod-runtime';

export type { ExecResult, PodRuntime } from './pod-runtime';

export interface SimKubeApiServerOptions {
  readonly nodes: readonly V1Node[];
  /** Pre-existing pods (Running); their status.podIP, spec.nodeName, hostNetwork set by the caller. */
  readonly pods: readonly V1Pod[];
  /** Plus those of the pods, plus 'default', 'kube-system'. */
  readonly namespaces?: readonly string[];
  readonly runtime: PodRuntime;
  /** Bearer token required on every request when set (401 otherwise). */
  readonly token?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Pending -> Running delay for created pods, default 200. */
  readonly startDelayMs?: number;
  /**
   * Serve HTTPS with a self-signed certificate for 127.0.0.1 (in the kubeconfig as the cluster's CA).
   * Default false. Needed for kubectl when `token` is set: client-go sends credentials over TLS only.
   */
  readonly tls?: boolean;
  /** The clock of timestamps and AGE columns; default the system's. Timers run in real time regardless. */
  readonly now?: () => Date;
  /** What fails on purpose (the scenario's `faults`): requests, execs, created pods, nodes. */
  readonly faults?: KubeApiFaults & PodFaults;
}

export interface SimKubeApiServer {
  /** http://127.0.0.1:PORT (https:// with `tls`) */
  readonly url: string;
  /** The certificate (PEM) the server presents when it serves TLS, to be trusted as CA. */
  readonly ca?: string;
  /** A kubeconfig (YAML text) for this server that kubectl and client-node accept. */
  kubeconfig(options?: { contextName?: string; user?: { token: string } }): string;
  /** Objects as the server holds them now (for tests and the demo). */
  pods(): V1Pod[];
  nodes(): V1Node[];
  close(): Promise<void>;
}

function namespaceObject(name: string, now: Date): V1Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      uid: randomUUID(),
      creationTimestamp: now,
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

function seedStore(options: SimKubeApiServerOptions, now: Date): KubeStore {
  const store = new KubeStore();
  for (const node of options.nodes) {
    const metadata = node.metadata ?? {};
    store.nodes.add({
      apiVersion: 'v1',
      kind: 'Node',
      ...node,
      metadata: {
        ...metadata,
        uid: metadata.uid ?? randomUUID(),
        creationTimestamp: metadata.creationTimestamp ?? now,
      },
    });
  }
  const pods = options.pods.map((pod) => normalizeExistingPod(pod, { uid: randomUUID(), now }));
  const namespaces = new Set(['default', 'kube-system', ...(options.namespaces ?? [])]);
  for (const pod of pods) namespaces.add(pod.metadata?.namespace ?? 'default');
  for (const name of [...namespaces].sort()) store.namespaces.add(namespaceObject(name, now));
  for (const pod of pods) store.pods.add(pod);
  return store;
}

/** A kubeconfig naming one cluster, user and context after `contextName`. */
export function simKubeconfig(options: {
  readonly server: string;
  readonly contextName: string;
  readonly token?: string;
  readonly caPem?: string;
}): string {
  const { server, contextName, token, caPem } = options;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: contextName,
        cluster: {
          server,
          // client-node 2.x refuses an http:// server unless the cluster says to skip TLS verification.
          ...(caPem === undefined
            ? { 'insecure-skip-tls-verify': true }
            : { 'certificate-authority-data': Buffer.from(caPem).toString('base64') }),
        },
      },
    ],
    users: [{ name: `${contextName}-user`, user: token === undefined ? {} : { token } }],
    contexts: [{ name: contextName, context: { cluster: contextName, user: `${contextName}-user` } }],
    'current-context': contextName,
    preferences: {},
  });
}

/** The simulated Kubernetes API: REST over HTTP(S), exec over WebSocket, on 127.0.0.1. */
export async function startSimKubeApiServer(options: SimKubeApiServerOptions): Promise<SimKubeApiServer> {
  const clock = options.now ?? (() => new Date());
  const store = seedStore(options, clock());
  const lifecycle = new PodLifecycle({
    store,
    runtime: options.runtime,
    startDelayMs: options.startDelayMs ?? 200,
    now: clock,
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  const faults = options.faults ?? {};
  const heldSockets = new Set<Duplex>();
  let address = '127.0.0.1:0';
  const handlers = new KubeApiHandlers({ store, lifecycle, clock, address: () => address });

  const authorized = (req: IncomingMessage): boolean => {
    if (options.token === undefined) return true;
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    return match?.[1]?.trim() === options.token;
  };

  const listener: RequestListener = (req, res) => {
    if (authorized(req) && injectFault(faults, req, res)) return;
    const answer = authorized(req) ? handlers.handle(req, res) : Promise.reject(unauthorized());
    answer.catch((error: unknown) => sendError(res, error));
  };

  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => chooseExecProtocol(protocols) ?? false,
  });

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let target: ExecTarget;
    try {
      if (!authorized(req)) throw unauthorized();
      target = handlers.execTarget(req);
      if (injectUpgradeFault(faults, socket, (held) => heldSockets.add(held))) return;
    } catch (error) {
      rejectUpgrade(socket, error);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      void serveExec(ws, target.command, target.streams, (streams) =>
        options.runtime.exec(target.pod, target.container, target.command, streams),
      );
    });
  };

  const tls = options.tls === true ? await localhostCertificate() : undefined;
  const server: Server =
    tls === undefined
      ? createServer({ noDelay: true }, listener)
      : createHttpsServer({ key: tls.key, cert: tls.cert, noDelay: true }, listener);
  server.on('upgrade', upgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `${tls === undefined ? 'http' : 'https'}://${address}`;

  return {
    url,
    ...(tls === undefined ? {} : { ca: tls.cert }),
    kubeconfig({ contextName = 'sim', user } = {}) {
      const token = user?.token ?? options.token;
      return simKubeconfig({
        server: url,
        contextName,
        ...(token === undefined ? {} : { token }),
        ...(tls === undefined ? {} : { caPem: tls.cert }),
      });
    },
    pods: () => store.pods.all(),
    nodes: () => store.nodes.all(),
    async close() {
      // Timers and container streams first (their followers' responses end), then open watches and
      // exec sockets, then the listener and whatever connections are left.
      lifecycle.close();
      handlers.closeWatches();
      for (const socket of heldSockets) socket.destroy();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
    },
  };
}
