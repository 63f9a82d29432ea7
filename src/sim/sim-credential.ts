import type { TokenCredential } from '@azure/core-auth';

/**
 * The credential for the simulated cluster: its ARM and Kubernetes API servers take one bearer token, and
 * this hands it out for any scope, as DefaultAzureCredential would hand out real ones.
 */
export function simCredential(token: string): TokenCredential {
  return { getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}
