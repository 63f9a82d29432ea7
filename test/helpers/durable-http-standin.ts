/**
 * A local stand-in for the Durable Functions extension's HTTP API, the one durable-functions' DurableClient
 * talks to through the binding's `rpcBaseUrl` (durable-functions 3.x, lib/src/durableClient/DurableClient.js).
 * It answers the two calls the triggers make as the extension's HttpApiHandler does
 * (Azure/azure-functions-durable-extension, src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs):
 *
 * - `POST orchestrators/{functionName}/{instanceId?}` (startNew): the body is the input as JSON. An instance
 *   whose ID exists in a state the default `overridableExistingInstanceStates` (NonRunningStates) does not
 *   override, i.e. Running, Pending, Suspended or ContinuedAsNew, is refused: 409 with `{"Message": ...}`
 *   (OrchestrationAlreadyExistsException), or, as extensions before 2.13.3 did, 500 with
 *   `ExceptionMessage: "An Orchestration instance with the status Running already exists."`. A finished one
 *   is replaced. Otherwise 202 with the check-status payload and a Location header.
 * - `GET instances/{instanceId}` (getStatus): 404 with no body when unknown; 202 while Running, Pending,
 *   ContinuedAsNew or Suspended, else 200; the body is the StatusResponsePayload (name, instanceId,
 *   runtimeStatus, input (null with showInput=false), customStatus, output, createdTime and lastUpdatedTime
 *   as `yyyy-MM-ddTHH:mm:ssZ`).
 *
 * Each request is handled to the end before the next (one event loop): the existence check and the create
 * are atomic, as the extension's storage provider's are for one instance ID.
 *
 * No jest here: `npm run bench` compiles and uses it too.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Canceled' | 'Terminated' | 'Suspended';

export interface StandInInstance {
  readonly name: string;
  readonly instanceId: string;
  runtimeStatus: RuntimeStatus;
  readonly input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: Date;
  lastUpdatedTime: Date;
}

/** The states NonRunningStates does not override (DurableTaskOptions' default since extension 2.0). */
const NOT_OVERRIDDEN: ReadonlySet<RuntimeStatus> = new Set([
  'Running',
  'ContinuedAsNew',
  'Pending',
  'Suspended',
]);
const ACTIVE: ReadonlySet<RuntimeStatus> = NOT_OVERRIDDEN;

export interface DurableStandInOptions {
  /** The orchestrator functions the app registered; another name is refused with 400. */
  readonly orchestrators: readonly string[];
  readonly taskHubName?: string;
  /** Answer a start of an existing active instance as extensions before 2.13.3 did (500), not with 409. */
  readonly legacyConflict?: boolean;
  /** Added before each answer, as a storage round trip would be. */
  readonly delayMs?: number;
}

export interface DurableStandIn {
  /** The binding data the Functions host hands the durableClient input (`context.extraInputs`). */
  readonly clientData: Record<string, unknown>;
  readonly instances: ReadonlyMap<string, StandInInstance>;
  /** Successful creations, one per started (or replaced) instance. */
  readonly created: readonly string[];
  /** Starts refused because the instance exists and is active. */
  readonly conflicts: number;
  readonly requests: { readonly start: number; readonly status: number; readonly other: number };
  setStatus(instanceId: string, status: RuntimeStatus, output?: unknown): void;
  close(): Promise<void>;
}

/** `DateTime.ToString("s") + "Z"`, as the extension writes times. */
function durableTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startDurableStandIn(options: DurableStandInOptions): Promise<DurableStandIn> {
  const taskHub = options.taskHubName ?? 'SnatResponder';
  const instances = new Map<string, StandInInstance>();
  const created: string[] = [];
  const requests = { start: 0, status: 0, other: 0 };
  let conflicts = 0;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  // What the host gives the binding: webhook URLs for people (with a key), and the local RPC endpoint.
  const webhook = `${origin}/runtime/webhooks/durabletask`;
  const query = `taskHub=${taskHub}&connection=Storage&code=standin-key`;
  const managementUrls: Record<string, string> = {
    id: 'INSTANCEID',
    statusQueryGetUri: `${webhook}/instances/INSTANCEID?${query}`,
    sendEventPostUri: `${webhook}/instances/INSTANCEID/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${webhook}/instances/INSTANCEID/terminate?reason={text}&${query}`,
    rewindPostUri: `${webhook}/instances/INSTANCEID/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${webhook}/instances/INSTANCEID?${query}`,
    restartPostUri: `${webhook}/instances/INSTANCEID/restart?${query}`,
    suspendPostUri: `${webhook}/instances/INSTANCEID/suspend?reason={text}&${query}`,
    resumePostUri: `${webhook}/instances/INSTANCEID/resume?reason={text}&${query}`,
  };
  const clientData = {
    taskHubName: taskHub,
    creationUrls: {
      createNewInstancePostUri: `${webhook}/orchestrators/{functionName}[/{instanceId}]?code=standin-key`,
      createAndWaitOnNewInstancePostUri: `${webhook}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=standin-key`,
    },
    managementUrls,
    baseUrl: webhook,
    requiredQueryStringParameters: 'code=standin-key',
    rpcBaseUrl: `${origin}/durabletask/`,
    httpBaseUrl: '',
  };
  const checkStatusPayload = (id: string) =>
    Object.fromEntries(Object.entries(managementUrls).map(([k, v]) => [k, v.replace('INSTANCEID', id)]));

  function start(functionName: string, instanceId: string, body: string, res: ServerResponse): void {
    requests.start++;
    if (!options.orchestrators.includes(functionName)) {
      send(res, 400, {
        Message: `The function '${functionName}' doesn't exist, is disabled, or is not an orchestrator function.`,
      });
      return;
    }
    let input: unknown = null;
    try {
      input = body === '' ? null : (JSON.parse(body) as unknown);
    } catch {
      send(res, 400, { Message: 'Invalid JSON content' });
      return;
    }
    const id = instanceId === '' ? randomUUID().replace(/-/g, '') : instanceId;
    const existing = instances.get(id);
    if (existing !== undefined && NOT_OVERRIDDEN.has(existing.runtimeStatus)) {
      conflicts++;
      const message = `An Orchestration instance with the status ${existing.runtimeStatus} already exists.`;
      if (options.legacyConflict === true) {
        send(res, 500, {
          Message: 'Something went wrong while processing your request',
          ExceptionMessage: message,
          ExceptionType: 'System.InvalidOperationException',
        });
      } else {
        send(res, 409, { Message: message });
      }
      return;
    }
    const now = new Date();
    const instance: StandInInstance = {
      name: functionName,
      instanceId: id,
      runtimeStatus: 'Pending',
      input,
      customStatus: null,
      output: null,
      createdTime: now,
      lastUpdatedTime: now,
    };
    instances.set(id, instance);
    created.push(id);
    // The orchestrator picks the new instance up a moment later.
    setImmediate(() => {
      if (instance.runtimeStatus === 'Pending') instance.runtimeStatus = 'Running';
    });
    const payload = checkStatusPayload(id);
    send(res, 202, payload, { Location: payload.statusQueryGetUri ?? '', 'Retry-After': '10' });
  }

  function status(instanceId: string, search: URLSearchParams, res: ServerResponse): void {
    requests.status++;
    const instance = instances.get(instanceId);
    if (instance === undefined) {
      send(res, 404);
      return;
    }
    const showInput = search.get('showInput') !== 'false';
    send(res, ACTIVE.has(instance.runtimeStatus) ? 202 : 200, {
      name: instance.name,
      instanceId: instance.instanceId,
      runtimeStatus: instance.runtimeStatus,
      input: showInput ? instance.input : null,
      customStatus: instance.customStatus,
      output: instance.output,
      createdTime: durableTime(instance.createdTime),
      lastUpdatedTime: durableTime(instance.lastUpdatedTime),
      historyEvents: null,
    });
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      if (options.delayMs !== undefined && options.delayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      }
      const url = new URL(req.url ?? '/', origin);
      const path = decodeURIComponent(url.pathname).replace(/^\/durabletask\//, '');
      const startRoute = /^orchestrators\/([^/]+)(?:\/([^/]*))?\/?$/.exec(path);
      const statusRoute = /^instances\/([^/]+)\/?$/.exec(path);
      if (startRoute !== null && req.method === 'POST') {
        start(startRoute[1] ?? '', startRoute[2] ?? '', body, res);
      } else if (statusRoute !== null && req.method === 'GET') {
        status(statusRoute[1] ?? '', url.searchParams, res);
      } else {
        requests.other++;
        send(res, 404);
      }
    })().catch((error: unknown) => send(res, 500, { Message: String(error) }));
  });

  return {
    clientData,
    instances,
    created,
    get conflicts() {
      return conflicts;
    },
    requests,
    setStatus(instanceId, runtimeStatus, output) {
      const instance = instances.get(instanceId);
      if (instance === undefined) throw new Error(`no instance ${instanceId}`);
      instance.runtimeStatus = runtimeStatus;
      instance.lastUpdatedTime = new Date();
      if (output !== undefined) instance.output = output;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
