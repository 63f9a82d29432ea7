import type { WebSocket } from 'ws';
import type { ExecResult, ExecStreams } from './pod-runtime';

/**
 * The exec stream of the channel.k8s.io WebSocket protocols (v4 and v5): every binary message starts
 * with its channel byte; the exit is reported once as a v1 Status on the error channel, then the socket
 * closes. v5 adds a close signal (channel 255, then the channel being closed) that clients send for stdin.
 */

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
export type ExecProtocol = (typeof EXEC_PROTOCOLS)[number];

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** The first protocol the client offers that the server speaks (the client lists them in preference order). */
export function chooseExecProtocol(offered: Iterable<string>): ExecProtocol | undefined {
  for (const protocol of offered) {
    const known = EXEC_PROTOCOLS.find((p) => p === protocol);
    if (known !== undefined) return known;
  }
  return undefined;
}

/** Frames of at most `maxPayload` bytes each, every one prefixed with the channel byte. */
export function frames(channel: number, text: string | Buffer, maxPayload = 32 * 1024): Buffer[] {
  const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const out: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += maxPayload) {
    const part = data.subarray(offset, offset + maxPayload);
    out.push(Buffer.concat([Buffer.of(channel), part]));
  }
  return out;
}

/** The Status the kubelet writes on the error channel when the command ends (or cannot run). */
export type ExecStatus =
  | { readonly metadata: Record<string, never>; readonly status: 'Success' }
  | {
      readonly metadata: Record<string, never>;
      readonly status: 'Failure';
      readonly message: string;
      readonly reason: 'NonZeroExitCode' | 'InternalError';
      readonly details: {
        readonly causes: readonly { readonly reason?: string; readonly message: string }[];
      };
      readonly code?: number;
    };

export function execStatus(result: ExecResult, command: readonly string[]): ExecStatus {
  if (result.exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: command '${command.join(' ')}' exited with ${result.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(result.exitCode) }] },
  };
}

export function execErrorStatus(message: string): ExecStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}

function send(ws: WebSocket, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState !== ws.OPEN) return resolve();
    // A send error means the client went away: there is no one left to report it to.
    ws.send(data, { binary: true }, () => resolve());
  });
}

/**
 * Runs one exec over an accepted WebSocket: stdout, stderr, the Status, then a normal close. Input from
 * the client (stdin, resize, v5 close signals) is read and dropped: the runtime's commands take no input.
 */
export async function serveExec(
  ws: WebSocket,
  command: readonly string[],
  streams: { readonly stdout: boolean; readonly stderr: boolean },
  run: (streams: ExecStreams) => Promise<ExecResult>,
): Promise<void> {
  ws.on('message', () => undefined);
  let status: ExecStatus;
  // What the runtime streams goes out at once, frame by frame, each waiting for the socket to take it.
  const streamed: ExecStreams = {
    stdout: async (chunk) => {
      if (!streams.stdout) return;
      for (const frame of frames(Channel.stdout, chunk)) await send(ws, frame);
    },
  };
  try {
    const result = await run(streamed);
    const out = [
      ...(streams.stdout ? frames(Channel.stdout, result.stdout) : []),
      ...(streams.stderr ? frames(Channel.stderr, result.stderr) : []),
    ];
    for (const frame of out) await send(ws, frame);
    status = execStatus(result, command);
  } catch (error) {
    status = execErrorStatus(error instanceof Error ? error.message : String(error));
  }
  await send(ws, Buffer.concat([Buffer.of(Channel.error), Buffer.from(JSON.stringify(status), 'utf8')]));
  if (ws.readyState === ws.OPEN) ws.close(1000);
}
