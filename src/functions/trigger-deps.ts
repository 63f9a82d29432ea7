import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { AppConfig } from './config';
import { DurableStarter } from './durable-starter';
import type { TriggerDeps } from './http-handlers';

/**
 * What an HTTP trigger's handler is given on each invocation: the Durable client of this invocation's
 * binding (behind the starter port), the clock and the app's settings.
 */
export function triggerDeps(
  context: InvocationContext,
  config: Pick<AppConfig, 'cooldownMinutes' | 'traceSeconds' | 'privateCidrs'>,
): TriggerDeps {
  const client = df.getClient(context);
  return {
    starter: new DurableStarter(client),
    now: () => new Date(),
    cooldownMinutes: config.cooldownMinutes,
    traceSeconds: config.traceSeconds,
    privateCidrs: config.privateCidrs,
    managementUrls: (id) => {
      // Durable's own URLs for the instance (status, terminate, purge, ...), as createCheckStatusResponse gives them.
      return Object.fromEntries(
        Object.entries(client.createHttpManagementPayload(id)).filter(
          (entry): entry is [string, string] => entry[0] !== 'id' && typeof entry[1] === 'string',
        ),
      );
    },
  };
}
