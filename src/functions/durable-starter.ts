import type { DurableClient } from 'durable-functions';
import { INVESTIGATE_SNAT } from '../orchestrations/investigate-snat';
import type { InvestigationRequest } from '../workflow/investigation';
import { InstanceExistsError, type InstanceStatus, type InvestigationStarter } from './starter';

/** durable-functions 3.x's getStatus throws on an instance it does not know (an HTTP 404 from the extension). */
function isMissing(error: unknown): boolean {
  return error instanceof Error && /HTTP 404/.test(error.message);
}

/**
 * startNew of an ID whose instance is active: the extension answers 409 (OrchestrationAlreadyExistsException,
 * since 2.13.3) or, before, 500 with "An Orchestration instance with the status Running already exists.";
 * durable-functions 3.x turns either into "unexpected status code: <n>. Details: <body>".
 */
function isActiveInstanceRefusal(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    /unexpected status code: 409\b/.test(error.message) ||
    (/unexpected status code: 500\b/.test(error.message) &&
      /An Orchestration instance with the status \w+ already exists/.test(error.message))
  );
}

/** The Durable client behind the triggers' small port. */
export class DurableStarter implements InvestigationStarter {
  constructor(private readonly client: DurableClient) {}

  async status(instanceId: string): Promise<InstanceStatus | null> {
    try {
      const status = await this.client.getStatus(instanceId, { showInput: false });
      return {
        runtimeStatus: String(status.runtimeStatus),
        createdTime: new Date(status.createdTime),
        lastUpdatedTime: new Date(status.lastUpdatedTime),
        customStatus: status.customStatus ?? null,
        output: status.output ?? null,
      };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async start(instanceId: string, request: InvestigationRequest): Promise<void> {
    try {
      await this.client.startNew(INVESTIGATE_SNAT, { instanceId, input: request });
    } catch (error) {
      if (isActiveInstanceRefusal(error)) {
        throw new InstanceExistsError(`investigation ${instanceId} is already running`, { cause: error });
      }
      throw error;
    }
  }
}
