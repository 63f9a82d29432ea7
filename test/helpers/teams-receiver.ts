import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in for a Teams Workflows webhook on 127.0.0.1: keeps what it is sent, or fails on demand. */
export interface TeamsReceiver {
  readonly url: string;
  readonly received: unknown[];
  requests: number;
  /** Answer every request with this status (then nothing is kept); null to accept. */
  failWith: number | null;
  close(): Promise<void>;
}

export async function startTeamsReceiver(): Promise<TeamsReceiver> {
  const receiver = {
    url: '',
    received: [] as unknown[],
    requests: 0,
    failWith: null as number | null,
    close: () => Promise.resolve(),
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      receiver.requests++;
      if (receiver.failWith !== null) {
        response.writeHead(receiver.failWith, { 'content-type': 'text/plain' }).end('Service Unavailable');
        return;
      }
      receiver.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/workflows/snat/triggers/manual/paths/invoke?sig=test`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}
