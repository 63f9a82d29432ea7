import type { ContainerServiceClientOptionalParams } from '@azure/arm-containerservice';
import type { TokenCredential } from '@azure/core-auth';

/** Where the Azure adapters say what they do. Messages never carry a credential or a token. */
export interface AzureLogger {
  debug(message: string): void;
  warn(message: string): void;
}

export const silentLogger: AzureLogger = { debug: () => undefined, warn: () => undefined };

export type AzureTlsOptions = NonNullable<ContainerServiceClientOptionalParams['tlsOptions']>;

/** What every Azure adapter takes; each defaults the credential to DefaultAzureCredential. */
export interface AzureAdapterOptions {
  readonly credential?: TokenCredential;
  /** The Resource Manager endpoint; public Azure (https://management.azure.com) when absent. */
  readonly endpoint?: string;
  /** Extra trust, e.g. the simulator's self-signed certificate: `{ ca }`. */
  readonly tlsOptions?: AzureTlsOptions;
  readonly logger?: AzureLogger;
}

/** The SDK client options both ARM clients accept, without keys for what was not given. */
export function clientOptions(options: AzureAdapterOptions): ContainerServiceClientOptionalParams {
  return {
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.tlsOptions === undefined ? {} : { tlsOptions: options.tlsOptions }),
  };
}

/**
 * DefaultAzureCredential, loaded only when no credential is given: @azure/identity (MSAL) takes a fifth of
 * a second to load, which the demo and the tests, which bring their own credential, need not pay.
 */
export function defaultCredential(): TokenCredential {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, on purpose
  const identity = require('@azure/identity') as typeof import('@azure/identity');
  return new identity.DefaultAzureCredential();
}
