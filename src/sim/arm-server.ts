import { localhostCertificate } from './localhost-certificate';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simArmIds, type SimArmCluster, type SimArmIds } from './arm-cluster';
import { loadBalancerMetrics } from './arm-metrics';
import type { FaultPlan } from './scenario-faults';
import { credentialResultsJson, loadBalancerJson, managedClusterJson, userKubeconfig } from './arm-resources';

export type { SimArmCluster } from './arm-cluster';

export interface SimArmServer {
  /** `https://127.0.0.1:PORT`, for the SDK clients' `endpoint`. */
  readonly endpoint: string;
  /** The self-signed certificate (PEM), for the SDK clients' `tlsOptions: { ca }`. */
  readonly ca: string;
  readonly clusterId: string;
  readonly nodeResourceGroup: string;
  readonly loadBalancerId: string;
  close(): Promise<void>;
}

export interface SimArmServerOptions {
  /** 0 (any free port) unless given. */
  readonly port?: number;
  /** When set, the only bearer token accepted; otherwise any bearer token is (but one is still required). */
  readonly token?: string;
  /**
   * Answer lists with an empty first page and a nextLink to the page holding the cluster, as ARM may:
   * proves a caller follows nextLink.
   */
  readonly splitListPages?: boolean;
  /** The server's clock, which places the scenario's 30-minute SNAT window; the real clock by default. */
  readonly now?: () => number;
  /** What fails on purpose (the scenario's `faults`): any request, and the metrics' data. */
  readonly faults?: { readonly arm?: FaultPlan; readonly metricsMissing?: boolean };
}

const ARM_FAULTS: Readonly<Record<number, readonly [string, string]>> = {
  429: [
    'TooManyRequests',
    'The request is being throttled as the limit has been reached for operation type - Read.',
  ],
  500: ['InternalServerError', 'Encountered internal server error.'],
  502: ['BadGateway', 'The gateway did not receive a response in time.'],
  503: ['ServiceUnavailable', 'The service is currently unavailable.'],
  504: ['GatewayTimeout', 'The gateway did not receive a response within the specified time period.'],
};

/** The planned fault for this request as an answer; `held` for one that is never answered; null for none. */
function injectedFault(plan: FaultPlan | undefined): Answer | 'held' | null {
  const fault = plan?.next() ?? null;
  if (fault === null) return null;
  if (fault.status === 'timeout') return 'held';
  const [code, message] = ARM_FAULTS[fault.status] ?? [
    'InternalServerError',
    'Encountered internal server error.',
  ];
  return armError(
    fault.status,
    code,
    message,
    fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) },
  );
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

function armError(status: number, code: string, message: string, headers?: Record<string, string>): Answer {
  return { status, body: { error: { code, message } }, ...(headers === undefined ? {} : { headers }) };
}

function notFound(what: string): Answer {
  return armError(404, 'ResourceNotFound', `The Resource '${what}' was not found.`);
}

function authenticate(request: IncomingMessage, token: string | undefined): Answer | null {
  const header = request.headers.authorization;
  const challenge = {
    'www-authenticate':
      'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", ' +
      'error_description="The authentication failed because of missing \'Authorization\' header."',
  };
  if (header === undefined || header === '') {
    return armError(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is missing.",
      challenge,
    );
  }
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (m === null || (token !== undefined && m[1] !== token)) {
    return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', challenge);
  }
  return null;
}

/**
 * Routes the request. ARM matches paths without regard to case; an empty segment (`//subscriptions`)
 * matches nothing, so a caller that doubles a slash finds out here rather than in Azure.
 */
function route(
  cluster: SimArmCluster,
  ids: SimArmIds,
  options: SimArmServerOptions,
  method: string,
  url: URL,
): Answer {
  let segments: string[];
  try {
    segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return notFound(url.pathname);
  }
  if (segments.some((s) => s === '')) return notFound(url.pathname);
  const lower = segments.map((s) => s.toLowerCase());
  const same = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();
  const get = method === 'GET';

  if (lower[0] !== 'subscriptions' || !same(segments[1], cluster.subscriptionId)) {
    return notFound(url.pathname);
  }
  if (url.searchParams.get('api-version') === null) {
    return armError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    );
  }
  const rest = lower.slice(2);
  const path = rest.join('/');

  const page = (): Answer => {
    if (options.splitListPages === true && url.searchParams.get('$skipToken') === null) {
      const next = new URL(url.href);
      next.searchParams.set('$skipToken', 'page-2');
      return { status: 200, body: { value: [], nextLink: next.href } };
    }
    return { status: 200, body: { value: [managedClusterJson(cluster, ids)] } };
  };

  if (get && path === 'providers/microsoft.containerservice/managedclusters') return page();
  if (rest[0] !== 'resourcegroups') return notFound(url.pathname);
  const group = segments[3];
  const inner = rest.slice(2).join('/');

  if (same(group, cluster.resourceGroup)) {
    if (get && inner === 'providers/microsoft.containerservice/managedclusters') return page();
    const clusterPath = `providers/microsoft.containerservice/managedclusters/${cluster.name.toLowerCase()}`;
    if (get && inner === clusterPath) return { status: 200, body: managedClusterJson(cluster, ids) };
    if (method === 'POST' && inner === `${clusterPath}/listclusterusercredential`) {
      const format = (url.searchParams.get('format') ?? 'exec').toLowerCase();
      if (format !== 'exec' && format !== 'azure') {
        return armError(400, 'InvalidParameter', `The value '${format}' of parameter 'format' is not valid.`);
      }
      return {
        status: 200,
        body: credentialResultsJson(userKubeconfig(cluster, ids, format)),
      };
    }
  }
  if (same(group, ids.nodeResourceGroup)) {
    const lbPath = 'providers/microsoft.network/loadbalancers/kubernetes';
    if (get && inner === lbPath) return { status: 200, body: loadBalancerJson(cluster, ids) };
    if (get && inner === `${lbPath}/providers/microsoft.insights/metrics`) {
      return loadBalancerMetrics(
        cluster,
        ids.loadBalancerId,
        url.searchParams,
        (options.now ?? Date.now)(),
        options.faults?.metricsMissing === true,
      );
    }
  }
  return notFound(url.pathname);
}

function send(response: ServerResponse, answer: Answer): void {
  const body = JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-ms-request-id': randomUUID(),
    ...answer.headers,
  });
  response.end(body);
}

/**
 * A simulated Azure Resource Manager for one AKS cluster: the managed cluster (get, list by subscription
 * and by resource group, listClusterUserCredential), its `kubernetes` load balancer and that load
 * balancer's SNAT metrics. Listens on 127.0.0.1 over HTTPS.
 */
export async function startSimArmServer(
  cluster: SimArmCluster,
  options: SimArmServerOptions = {},
): Promise<SimArmServer> {
  const ids = simArmIds(cluster);
  const { key, cert } = await localhostCertificate();
  const server: Server = createServer({ key, cert }, (request, response) => {
    request.resume();
    request.on('end', () => {
      const fault = injectedFault(options.faults?.arm);
      if (fault === 'held') return;
      let answer: Answer;
      try {
        answer =
          fault ??
          authenticate(request, options.token) ??
          route(
            cluster,
            ids,
            options,
            request.method ?? 'GET',
            new URL(request.url ?? '/', `https://${request.headers.host ?? '127.0.0.1'}`),
          );
      } catch (error) {
        answer = armError(500, 'InternalServerError', error instanceof Error ? error.message : String(error));
      }
      send(response, answer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${port}`,
    ca: cert,
    clusterId: ids.clusterId,
    nodeResourceGroup: ids.nodeResourceGroup,
    loadBalancerId: ids.loadBalancerId,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // The SDK keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}
