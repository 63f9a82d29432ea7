import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { InputError } from '../core/errors';
import { KubeApiError } from './kube-status';
import { toWireJson } from './kube-wire';

/** The small I/O pieces of the API server: bodies in, JSON and Status out. */

/** The real API server's limit on a request body. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES)
      throw new KubeApiError(413, 'RequestEntityTooLarge', 'the request is too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
): void {
  const text = toWireJson(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** An error as the Status the server answers: KubeApiError as it says, InputError 400, the rest 500. */
export function toKubeApiError(error: unknown): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (error instanceof InputError) return new KubeApiError(400, 'BadRequest', error.message);
  const message = error instanceof Error ? error.message : String(error);
  return new KubeApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}

export function sendError(res: ServerResponse, error: unknown): void {
  const failure = toKubeApiError(error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, failure.code, failure.toStatus());
}

/** Refuses a connection upgrade with a plain HTTP response carrying the Status, then closes the socket. */
export function rejectUpgrade(socket: Duplex, error: unknown): void {
  const failure = toKubeApiError(error);
  const body = JSON.stringify(failure.toStatus());
  socket.end(
    `HTTP/1.1 ${failure.code} ${STATUS_CODES[failure.code] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
