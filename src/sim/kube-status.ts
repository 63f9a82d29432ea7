import { CustomError } from '../core/errors';

/** The `reason` values of a v1 Status this server answers with (k8s.io/apimachinery StatusReason). */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'NotFound'
  | 'AlreadyExists'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'Invalid'
  | 'RequestEntityTooLarge'
  | 'Gone'
  | 'Expired'
  | 'Forbidden'
  | 'TooManyRequests'
  | 'ServiceUnavailable'
  | 'InternalError';

export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly kind?: string;
  readonly causes?: readonly StatusCause[];
}

/** A failed request as the API server reports it: `kind: Status`, with the HTTP code repeated inside. */
export interface FailureStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: StatusReason;
  readonly details?: StatusDetails;
  readonly code: number;
}

/** A request the simulated API server refuses; the handler turns it into a Status body. */
export class KubeApiError extends CustomError {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): FailureStatus {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details === undefined ? {} : { details: this.details }),
      code: this.code,
    };
  }
}

/** A resource as the API names it in messages and Status details (`pods "x" not found`). */
export type ResourceName = 'pods' | 'nodes' | 'namespaces';

export function notFound(resource: ResourceName, name: string): KubeApiError {
  return new KubeApiError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
}

export function alreadyExists(resource: ResourceName, name: string): KubeApiError {
  return new KubeApiError(409, 'AlreadyExists', `${resource} "${name}" already exists`, {
    name,
    kind: resource,
  });
}

export function badRequest(message: string): KubeApiError {
  return new KubeApiError(400, 'BadRequest', message);
}

/** 422: the object fails validation, one cause per field as the real server lists them. */
export function invalid(kind: string, name: string, causes: readonly Required<StatusCause>[]): KubeApiError {
  const list = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new KubeApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${list}`, {
    name,
    kind: kind.toLowerCase() + 's',
    causes,
  });
}

export function pathNotFound(): KubeApiError {
  return new KubeApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function methodNotAllowed(): KubeApiError {
  return new KubeApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

export function unauthorized(): KubeApiError {
  return new KubeApiError(401, 'Unauthorized', 'Unauthorized');
}
