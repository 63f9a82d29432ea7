import { CustomError, NotFoundError } from '../../core/errors';

/**
 * An Azure call that failed for a reason in the world. `status` is the HTTP status when there was a
 * response, `code` ARM's error code (`ResourceNotFound`, `AuthorizationFailed`, ...) when it gave one.
 */
export class AzureError extends CustomError {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 401 or 403, or a credential that could not produce a token: who we are, or what we may do. */
export class AzureAuthError extends AzureError {}

/** 429: ARM or Monitor throttled us; `retryAfterSeconds` when the service said how long to wait. */
export class AzureThrottledError extends AzureError {
  constructor(
    message: string,
    code: string | null,
    readonly retryAfterSeconds: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, 429, code, options);
  }
}

/** 404: the cluster, load balancer or subscription is not there. A NotFoundError like any other. */
export class AzureNotFoundError extends NotFoundError {
  readonly status = 404;
  constructor(
    message: string,
    readonly code: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface RestErrorLike {
  readonly name: 'RestError';
  readonly message: string;
  readonly statusCode?: number;
  readonly code?: string;
  readonly response?: { readonly headers?: { get(name: string): string | undefined } };
}

/** The SDKs' RestError, recognised by shape: the two runtimes under the ARM clients each have their own class. */
function isRestError(error: unknown): error is RestErrorLike {
  return error instanceof Error && error.name === 'RestError';
}

/** @azure/identity's failures to get a token (no login, no managed identity, refused by Entra ID). */
const CREDENTIAL_ERRORS = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
]);

function retryAfterSeconds(error: RestErrorLike): number | null {
  const header = error.response?.headers?.get('retry-after');
  if (header === undefined) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/**
 * Turns what an Azure SDK threw into a typed error that keeps it as `cause`; `what` names the call
 * ("get managed cluster rg/name"). Anything that is not a service or credential failure is a bug and is
 * returned untouched.
 */
export function toAzureError(what: string, error: unknown): unknown {
  if (isRestError(error)) {
    const status = error.statusCode ?? null;
    const code = error.code ?? null;
    const message = `${what} failed${status === null ? '' : ` (HTTP ${status}${code === null ? '' : ` ${code}`})`}: ${error.message}`;
    if (status === 404) return new AzureNotFoundError(message, code, { cause: error });
    if (status === 401 || status === 403) return new AzureAuthError(message, status, code, { cause: error });
    if (status === 429)
      return new AzureThrottledError(message, code, retryAfterSeconds(error), { cause: error });
    return new AzureError(message, status, code, { cause: error });
  }
  if (error instanceof Error && CREDENTIAL_ERRORS.has(error.name)) {
    return new AzureAuthError(`${what} failed: no token from the credential (${error.name})`, null, null, {
      cause: error,
    });
  }
  return error;
}

/** Runs one Azure call, rethrowing its failure as toAzureError makes it. */
export async function azureCall<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toAzureError(what, error);
  }
}
