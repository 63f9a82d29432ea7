import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postToTeams } from '../../src/adapters/teams/teams-webhook';

/** A webhook that answers from a script: [status, headers] per request, then 202. */
async function scripted(
  answers: [number, Record<string, string>][],
): Promise<{ url: string; server: Server; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      bodies.push(body);
      const [status, headers] = answers.shift() ?? [202, {}];
      response.writeHead(status, headers).end(status >= 400 ? 'Too many requests, slow down' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/invoke?sig=SECRET`,
    server,
    bodies,
  };
}

describe('postToTeams', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('retries 429 and 5xx, honouring Retry-After, until the webhook takes the card', async () => {
    const hook = await scripted([
      [429, { 'retry-after': '7' }],
      [503, {}],
    ]);
    server = hook.server;
    const waits: number[] = [];
    const delivery = await postToTeams(
      hook.url,
      { type: 'message' },
      {
        baseDelayMs: 100,
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
      },
    );
    expect(delivery).toEqual({ posted: true, attempts: 3, reason: null });
    expect(waits).toEqual([7000, 200]);
    expect(hook.bodies).toEqual(['{"type":"message"}', '{"type":"message"}', '{"type":"message"}']);
  });

  it('gives up after the last attempt, saying why, without the URL', async () => {
    const hook = await scripted([
      [500, {}],
      [500, {}],
      [500, {}],
    ]);
    server = hook.server;
    const delivery = await postToTeams(hook.url, {}, { attempts: 3, sleep: () => Promise.resolve() });
    expect(delivery).toEqual({
      posted: false,
      attempts: 3,
      reason: 'HTTP 500: Too many requests, slow down',
    });
  });

  it('does not retry an answer that will not change (400)', async () => {
    const hook = await scripted([[400, {}]]);
    server = hook.server;
    expect(await postToTeams(hook.url, {}, { sleep: () => Promise.resolve() })).toEqual({
      posted: false,
      attempts: 1,
      reason: 'HTTP 400: Too many requests, slow down',
    });
  });

  it('reports a webhook it cannot reach, without the URL', async () => {
    const delivery = await postToTeams(
      'http://127.0.0.1:9/invoke?sig=SECRET',
      {},
      { attempts: 2, sleep: () => Promise.resolve() },
    );
    expect(delivery).toEqual({ posted: false, attempts: 2, reason: 'the webhook could not be reached' });
  });
});
