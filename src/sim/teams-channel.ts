import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultPlan } from './scenario-faults';

/** A simulated Teams channel: the Workflows webhook ("When a Teams webhook request is received"). */
export interface SimTeamsChannel {
  /** The webhook URL, its `sig` a secret as in Teams: whoever has it can post. */
  readonly url: string;
  /** The messages the channel took, in order. */
  readonly received: unknown[];
  /** Every request, the refused and failed ones too. */
  readonly requests: () => number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 like a Power Automate webhook trigger: POST with the right `sig` gets 202 and the
 * message is kept; a wrong one 401; the scenario's `teams` fault answers 429/5xx (with Retry-After) or
 * holds the request unanswered.
 */
export async function startTeamsChannel(faults?: FaultPlan): Promise<SimTeamsChannel> {
  const sig = randomBytes(24).toString('base64url');
  const received: unknown[] = [];
  let requests = 0;
  const held = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests++;
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (request.method !== 'POST' || url.searchParams.get('sig') !== sig) {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(
          '{"error":{"code":"DirectApiAuthorizationRequired","message":"The request must be authenticated."}}',
        );
        return;
      }
      const fault = faults?.next() ?? null;
      if (fault?.status === 'timeout') {
        held.add(response);
        return;
      }
      if (fault !== null && fault !== undefined) {
        response.writeHead(fault.status, {
          'content-type': 'application/json',
          ...(fault.retryAfterSeconds === undefined
            ? {}
            : { 'retry-after': String(fault.retryAfterSeconds) }),
        });
        response.end(
          `{"error":{"code":"${fault.status === 429 ? 'WorkflowRequestsThrottled' : 'ServiceUnavailable'}"}}`,
        );
        return;
      }
      try {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      } catch {
        response.writeHead(400).end();
        return;
      }
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/workflows/4f1c0b7e/triggers/manual/paths/invoke?api-version=2016-06-01&sig=${sig}`,
    received,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of held) response.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
