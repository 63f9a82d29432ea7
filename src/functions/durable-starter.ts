import type { DurableClient } from 'durable-functions';
import { INVESTIGATE_SNAT } from '../orchestrations/investigate-snat';
import type { InvestigationRequest } from '../workflow/investigation';
import type { InstanceStatus, InvestigationStarter } from './starter';

/** durable-functions 3.x's getStatus throws on an instance it does not know (an HTTP 404 from the extension). */
function isMissing(error: unknown): boolean {
  return error instanceof Error && /HTTP 404/.test(error.message);
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
    await this.client.startNew(INVESTIGATE_SNAT, { instanceId, input: request });
  }
}
