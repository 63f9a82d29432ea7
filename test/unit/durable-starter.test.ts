import type { DurableClient } from 'durable-functions';
import { DurableStarter } from '../../src/functions/durable-starter';
import type { InvestigationRequest } from '../../src/workflow/investigation';

/** Just the two calls DurableStarter makes, behaving as durable-functions 3.x does. */
function client(getStatus: (id: string) => Promise<unknown>, started: unknown[]): DurableClient {
  return {
    getStatus,
    startNew: (name: string, options: unknown) => {
      started.push([name, options]);
      return Promise.resolve('id');
    },
  } as unknown as DurableClient;
}

describe('DurableStarter (the Durable client behind the triggers)', () => {
  it('reads a missing instance, which getStatus reports by throwing, as none', async () => {
    const starter = new DurableStarter(
      client(
        () =>
          Promise.reject(
            new Error(
              'DurableClient error: Durable Functions extension replied with HTTP 404 response. This usually means we could not find any data associated with the instanceId provided: snat-0.',
            ),
          ),
        [],
      ),
    );
    expect(await starter.status('snat-0')).toBeNull();
  });

  it('passes any other failure on', async () => {
    const starter = new DurableStarter(
      client(() => Promise.reject(new Error('HTTP 500 from the extension')), []),
    );
    await expect(starter.status('snat-0')).rejects.toThrow('HTTP 500 from the extension');
  });

  it('gives the runtime status and times, and starts the orchestration under the instance ID', async () => {
    const started: unknown[] = [];
    const starter = new DurableStarter(
      client(
        () =>
          Promise.resolve({
            runtimeStatus: 'Completed',
            createdTime: '2026-11-22T10:15:00Z',
            lastUpdatedTime: '2026-11-22T10:16:10Z',
            customStatus: { step: 'done' },
            output: { schemaVersion: 1 },
          }),
        started,
      ),
    );
    expect(await starter.status('snat-0')).toEqual({
      runtimeStatus: 'Completed',
      createdTime: new Date('2026-11-22T10:15:00Z'),
      lastUpdatedTime: new Date('2026-11-22T10:16:10Z'),
      customStatus: { step: 'done' },
      output: { schemaVersion: 1 },
    });
    const request = { investigationId: 'snat-0' } as InvestigationRequest;
    await starter.start('snat-0', request);
    expect(started).toEqual([['investigateSnat', { instanceId: 'snat-0', input: request }]]);
  });
});
