import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { rejectUpgrade, sendError } from './kube-http';
import { KubeApiError } from './kube-status';
import type { FaultPlan } from './scenario-faults';

/** What the API server's faults are: the scenario's `kubeApi` plan, and whether exec is refused. */
export interface KubeApiFaults {
  readonly api?: FaultPlan;
  readonly execRefused?: boolean;
}

function failure(status: number): KubeApiError {
  switch (status) {
    case 429:
      return new KubeApiError(429, 'TooManyRequests', 'Too many requests, please try again later.');
    case 503:
      return new KubeApiError(
        503,
        'ServiceUnavailable',
        'The server is currently unable to handle the request',
      );
    default:
      return new KubeApiError(
        status,
        'InternalError',
        'Internal error occurred: etcdserver: request timed out',
      );
  }
}

/**
 * Answers a request with the planned fault, if this one gets one: a Status with the code (and Retry-After
 * for 429/503), or, for `timeout`, nothing at all until the client gives up or the server closes.
 * True when it did.
 */
export function injectFault(faults: KubeApiFaults, req: IncomingMessage, res: ServerResponse): boolean {
  const fault = faults.api?.next() ?? null;
  if (fault === null) return false;
  req.resume();
  if (fault.status === 'timeout') return true;
  if (fault.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(fault.retryAfterSeconds));
  sendError(res, failure(fault.status));
  return true;
}

/**
 * The same for an exec's WebSocket upgrade; a refused exec is a 403, as RBAC or a policy gives it. A held
 * (timed out) upgrade goes to `hold`, for the server to close when it stops.
 */
export function injectUpgradeFault(
  faults: KubeApiFaults,
  socket: Duplex,
  hold: (socket: Duplex) => void,
): boolean {
  const fault = faults.api?.next() ?? null;
  if (fault !== null) {
    if (fault.status === 'timeout') hold(socket);
    else rejectUpgrade(socket, failure(fault.status));
    return true;
  }
  if (faults.execRefused === true) {
    rejectUpgrade(
      socket,
      new KubeApiError(403, 'Forbidden', 'pods "exec" is forbidden: exec into pods is denied by policy'),
    );
    return true;
  }
  return false;
}
