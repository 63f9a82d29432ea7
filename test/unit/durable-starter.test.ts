import type { DurableClient } from 'durable-functions';
import { DurableStarter } from '../../src/functions/durable-starter';
import { InstanceExistsError, startOnce, type InvestigationStarter } from '../../src/functions/starter';
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

  it.each([
    [
      '409 (extension 2.13.3 and later)',
      409,
      { Message: 'An Orchestration instance with the status Running already exists.' },
    ],
    [
      '500 "already exists" (earlier extensions)',
      500,
      {
        Message: 'Something went wrong while processing your request',
        ExceptionMessage: 'An Orchestration instance with the status Pending already exists.',
        ExceptionType: 'System.InvalidOperationException',
      },
    ],
  ])('reads a start refused with %s as an instance that exists', async (_label, status, body) => {
    const refusing = {
      startNew: () =>
        Promise.reject(
          new Error(
            `The operation failed with an unexpected status code: ${status}. Details: ${JSON.stringify(body)}`,
          ),
        ),
    } as unknown as DurableClient;
    await expect(
      new DurableStarter(refusing).start('snat-0', {} as InvestigationRequest),
    ).rejects.toBeInstanceOf(InstanceExistsError);
  });

  it('passes any other start failure on', async () => {
    const failing = {
      startNew: () =>
        Promise.reject(
          new Error('The operation failed with an unexpected status code: 500. Details: {"Message":"x"}'),
        ),
    } as unknown as DurableClient;
    const error = await new DurableStarter(failing)
      .start('snat-0', {} as InvestigationRequest)
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(InstanceExistsError);
  });
});

describe('startOnce', () => {
  it('reads a start Durable refused (another trigger started it first) as running since its creation', async () => {
    const created = new Date('2026-11-22T10:15:01Z');
    let calls = 0;
    const starter: InvestigationStarter = {
      // nothing at the check; the winner's instance when asked again after the refusal
      status: () =>
        Promise.resolve(
          calls++ === 0
            ? null
            : {
                runtimeStatus: 'Pending',
                createdTime: created,
                lastUpdatedTime: created,
                customStatus: null,
                output: null,
              },
        ),
      start: () => Promise.reject(new InstanceExistsError('exists')),
    };
    const outcome = await startOnce(
      starter,
      {
        cluster: {
          clusterId:
            '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c',
        },
        node: { ip: '10.224.0.4' },
        traceSeconds: 30,
        requestedAt: '2026-11-22T10:15:02Z',
      },
      { now: new Date('2026-11-22T10:15:02Z'), cooldownMinutes: 15, force: false },
    );
    expect(outcome).toMatchObject({ outcome: 'running', since: '2026-11-22T10:15:01.000Z' });
  });
});
