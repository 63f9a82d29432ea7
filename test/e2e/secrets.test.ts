/**
 * DESIGN.md section 6: no secret (kubeconfig, token, key, webhook URL) is an orchestration input or
 * output, an activity input or result, or in a log line. A whole investigation is run twice through the
 * local driver (as is, and under faults whose error messages reach the finding) and once as the Durable
 * orchestration replayed by durable-functions; every string that could be persisted or read by a person
 * is kept and scanned for every secret the run had, in every form it could take.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { AzureLogger, setLogLevel } from '@azure/logger';
import { BlobServiceClient } from '@azure/storage-blob';
import { runActivity, type ActivityName } from '../../src/activities/registry';
import { BlobArchives } from '../../src/adapters/archive/blob-archive';
import { AzureAccess } from '../../src/adapters/azure/azure-access';
import type { AzureLogger as AdapterLogger } from '../../src/adapters/azure/azure-options';
import { KubeAccess } from '../../src/adapters/kube/kube-access';
import { postToTeams } from '../../src/adapters/teams/teams-webhook';
import type { Finding } from '../../src/core/finding';
import { investigateSnat } from '../../src/orchestrations/investigate-snat';
import { DEFAULT_SCENARIO } from '../../src/sim/default-scenario';
import { FaultPlan, faultsSchema } from '../../src/sim/scenario-faults';
import { faultyArchive } from '../../src/sim/sim-archive';
import { SIM_DEBUG_NAMESPACE, startSimCluster, type SimCluster } from '../../src/sim/sim-cluster';
import { simCredential } from '../../src/sim/sim-credential';
import type { Flow } from '../../src/workflow/instructions';
import { investigation, type InvestigationRequest } from '../../src/workflow/investigation';
import { runLocally } from '../../src/workflow/local-driver';
import { DEADLINE_MARGIN_MS } from '../../src/workflow/policy';
import type { StepPorts } from '../../src/workflow/ports';
import { startAzurite, type Azurite } from '../helpers/azurite';
import { replay } from '../helpers/durable-replay';
import { MemoryArchives } from '../helpers/memory-archive';
import {
  asText,
  kubeconfigSecrets,
  pemBodyLine,
  scanForSecrets,
  secretForms,
  type Scanned,
  type SecretForm,
} from '../helpers/secret-scan';

const fastSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 5)));

/** Everything scanned, and every secret form looked for, over all three runs. */
const corpus: Scanned[] = [];
const secrets: SecretForm[] = [];
/** Every access token any credential handed out during the runs. */
const tokens = new Set<string>();
const findings: Finding[] = [];

function keep(where: string, value: unknown): void {
  corpus.push({ where, text: asText(value) });
}

/** The workflow as the driver sees it, each instruction (activity inputs) and answer (outputs) kept. */
function* recorded<T>(label: string, flow: Flow<T>): Flow<T> {
  let next = flow.next();
  for (let n = 1; next.done !== true; n++) {
    const instruction = next.value;
    const what =
      instruction.kind === 'call' ? `${instruction.kind} ${instruction.activity}` : instruction.kind;
    keep(`${label}: instruction #${n} (${what})`, instruction);
    let answer: unknown;
    try {
      answer = yield instruction;
    } catch (error) {
      keep(`${label}: error into the workflow #${n} (${what})`, error);
      next = flow.throw(error);
      continue;
    }
    keep(`${label}: output #${n} (${what})`, answer);
    next = flow.next(answer);
  }
  keep(`${label}: result`, next.value);
  return next.value;
}

/** The simulator's credential, every token it hands out remembered. */
function recordingCredential(token: string): TokenCredential {
  const inner = simCredential(token);
  return {
    getToken: async (scopes, options) => {
      const got = await inner.getToken(scopes, options);
      if (got !== null) tokens.add(got.token);
      return got;
    },
  };
}

function adapterLogger(label: string): AdapterLogger {
  return {
    debug: (message) => keep(`${label}: Azure adapter debug`, message),
    warn: (message) => keep(`${label}: Azure adapter warn`, message),
  };
}

function azureAccess(sim: SimCluster, label: string): AzureAccess {
  return new AzureAccess({
    credential: recordingCredential(sim.token),
    endpoint: sim.arm.endpoint,
    tlsOptions: { ca: sim.arm.ca },
    logger: adapterLogger(label),
  });
}

/**
 * The secrets of one simulated cluster: its token, the kubeconfig the responder gets (with the API server's
 * CA), the webhook. Not the ARM server's certificate: it is public, the test's own extra trust (no
 * tlsOptions in Azure), and the SDK's verbose log prints it with each request's TLS settings.
 */
async function collectSecrets(sim: SimCluster): Promise<void> {
  const azure = new AzureAccess({
    credential: simCredential(sim.token),
    endpoint: sim.arm.endpoint,
    tlsOptions: { ca: sim.arm.ca },
  });
  const kubeconfig = await azure.kubeconfig(await azure.findCluster({ clusterId: sim.arm.clusterId }));
  expect(kubeconfig).toContain(sim.token); // an Entra ID cluster: the credential's token put in
  secrets.push(
    ...secretForms('sim bearer token', sim.token),
    ...kubeconfigSecrets(kubeconfig),
    ...kubeconfigSecrets(sim.kube.kubeconfig({ user: { token: sim.token } })),
    ...(sim.kube.ca === undefined ? [] : pemBodyLine('API server certificate', sim.kube.ca)),
    ...secretForms('Teams webhook URL', sim.teams.url),
    ...secretForms('Teams webhook sig', new URL(sim.teams.url).searchParams.get('sig') ?? ''),
  );
}

function request(sim: SimCluster, id: string): InvestigationRequest {
  return {
    investigationId: id,
    cluster: { clusterId: sim.arm.clusterId },
    node: { ip: sim.alertNodeIp },
    traceSeconds: 2,
    requestedAt: new Date().toISOString(),
  };
}

function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

/** The CLI's driver over the whole responder (real SDK and client-node over sockets), every string kept. */
async function runLocal(label: string, written: Parameters<typeof faultsSchema.parse>[0]): Promise<void> {
  const faults = faultsSchema.parse(written);
  const scenario = { ...DEFAULT_SCENARIO, faults };
  const sim = await startSimCluster(scenario, { startDelayMs: 20 });
  const spoolRoot = mkdtempSync(join(tmpdir(), 'aks-snat-spool-'));
  try {
    await collectSecrets(sim);
    const archives = new MemoryArchives();
    const blob = new FaultPlan(faults.blob, scenario.seed, 'blob');
    const ports: StepPorts = {
      azure: azureAccess(sim, label),
      kube: (kubeconfig) =>
        new KubeAccess({
          kubeconfig,
          retry: { attempts: 6, baseDelayMs: 50, maxDelayMs: 1_500, requestTimeoutMs: 1_000 },
        }),
      archive: (folder) => faultyArchive(archives.folder(folder), blob),
      teams: (message) => postToTeams(sim.teams.url, message, { baseDelayMs: 50, timeoutMs: 1_000 }),
      progress: (line) => keep(`${label}: progress line`, line),
      debugNamespace: SIM_DEBUG_NAMESPACE,
      debugImage: 'busybox',
      startTimeoutMs: 2_000,
      spoolRoot,
    };
    const asked = request(sim, label.replace(/ /g, '-'));
    const finding = await runLocally(recorded(label, investigation(asked)), ports, {
      sleep: fastSleep,
      deadline: Date.now() + asked.traceSeconds * 1000 + DEADLINE_MARGIN_MS,
    });
    findings.push(finding);
    keep(`${label}: finding`, finding);
    for (const [path, content] of archives.files) keep(`${label}: archive ${path}`, `${path}\n${content}`);
    for (const path of files(spoolRoot))
      keep(`${label}: spool ${path}`, readFileSync(join(spoolRoot, path), 'utf8'));
    for (const [n, message] of sim.teams.received.entries())
      keep(`${label}: Teams message #${n + 1}`, message);
  } finally {
    await sim.close();
    rmSync(spoolRoot, { recursive: true, force: true });
  }
}

/** The Durable orchestration replayed by durable-functions, its activities real, archiving to Azurite. */
async function runDurable(label: string, azurite: Azurite): Promise<void> {
  const sim = await startSimCluster(DEFAULT_SCENARIO, { startDelayMs: 20 });
  try {
    await collectSecrets(sim);
    const accountKey = /AccountKey=([^;]+)/.exec(azurite.connectionString)?.[1] ?? '';
    secrets.push(
      ...secretForms('storage connection string', azurite.connectionString),
      ...secretForms('storage account key', accountKey),
    );
    const container = 'snat-findings';
    const archives = new BlobArchives({ connectionString: azurite.connectionString, container });
    const ports = (activity: string): StepPorts => ({
      azure: azureAccess(sim, `${label} ${activity}`),
      kube: (kubeconfig) => new KubeAccess({ kubeconfig }),
      archive: (folder) => archives.folder(folder),
      teams: (message) => postToTeams(sim.teams.url, message, { baseDelayMs: 5 }),
      // As the Functions app does (src/functions/index.ts): progress lines go to context.log.
      progress: (line) => keep(`${label}: context.log of ${activity}`, line),
      debugNamespace: SIM_DEBUG_NAMESPACE,
      debugImage: 'busybox',
    });
    let n = 0;
    const result = await replay(investigateSnat, request(sim, label), async (name, input, attempt) => {
      const where = `${label}: activity #${++n} ${name} (attempt ${attempt})`;
      keep(`${where} input`, input);
      try {
        const output = await runActivity(name as ActivityName, input, ports(name));
        keep(`${where} output`, output);
        return output;
      } catch (error) {
        keep(`${where} error`, error);
        throw error;
      }
    });
    keep(`${label}: history (input, activity inputs and outputs, custom statuses)`, result.historyText);
    for (const [i, status] of result.statuses.entries()) keep(`${label}: custom status #${i + 1}`, status);
    keep(`${label}: orchestration output`, result.output ?? null);
    keep(`${label}: orchestration error`, result.error ?? '');
    findings.push(result.output as Finding);
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      container,
    );
    for await (const item of blobs.listBlobsFlat()) {
      const content = (await blobs.getBlockBlobClient(item.name).downloadToBuffer()).toString('utf8');
      keep(`${label}: blob ${item.name}`, `${item.name}\n${content}`);
    }
    for (const [i, message] of sim.teams.received.entries())
      keep(`${label}: Teams message #${i + 1}`, message);
  } finally {
    await sim.close();
  }
}

let scanned: { strings: number; chars: number; secretForms: number };

beforeAll(async () => {
  // Anything written to the console or by the Azure SDK's own logger (verbose) while the runs go on.
  const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const spies = consoleMethods.map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      keep(`console.${method}`, args.map(asText).join(' '));
    }),
  );
  const sdkLog = AzureLogger.log;
  AzureLogger.log = (...args: unknown[]) => keep('Azure SDK log', args.map(asText).join(' '));
  setLogLevel('verbose');
  // The three runs at once (each its own simulated cluster), Azurite starting meanwhile.
  const azurite = startAzurite();
  try {
    await Promise.all([
      runLocal('local', {}),
      runLocal('local under faults', {
        kubeApi: { status: 500, rate: 0.2 },
        exec: 'refused',
        arm: { status: 503, count: 2 },
        teams: { status: 503 },
        blob: { status: 503, count: 6 },
      }),
      azurite.then((started) => runDurable('durable', started)),
    ]);
  } finally {
    await (await azurite).stop();
    setLogLevel();
    AzureLogger.log = sdkLog;
    for (const spy of spies) spy.mockRestore();
  }
  for (const token of tokens) secrets.push(...secretForms('access token from the credential', token));
  scanned = {
    strings: corpus.length,
    chars: corpus.reduce((sum, { text }) => sum + text.length, 0),
    secretForms: secrets.length,
  };
  const perRun = ['local', 'local under faults', 'durable'].map((label) => {
    const mine = corpus.filter((c) => c.where.startsWith(`${label}: `));
    return `${label} ${mine.length}`;
  });
  console.log(
    `secrets scan: ${scanned.strings} strings (${scanned.chars} characters; ${perRun.join(', ')}, ` +
      `the rest SDK and console log lines) against ${scanned.secretForms} secret forms`,
  );
}, 60_000);

describe('no secret in activity inputs and outputs, custom status, log lines, the archive or the card', () => {
  it('finds none of the kubeconfig, tokens, keys and webhook URL anywhere', () => {
    const hits = scanForSecrets(corpus, secrets);
    expect(hits.map(({ secret, where }) => `${secret} in ${where}`)).toEqual([]);
    // Nor any key or bearer credential, whatever its value.
    const shapes = /-----BEGIN [A-Z ]*PRIVATE KEY-----|\bBearer [\w.~+/-]{8,}|AccountKey=|[?&]sig=/;
    expect(corpus.filter((c) => shapes.test(c.text)).map((c) => c.where)).toEqual([]);
  });

  it('scanned a real investigation: every run finished, the culprit and the trace in what was scanned', () => {
    // Under faults every exec is refused: neither the trace (a file in the debug pod, read by exec) nor
    // a socket table can be read, so there is no culprit; the refusals' words are what that run scans.
    // (The runs finish in any order.)
    const culprits = findings.map((f) =>
      f.culprit === null ? null : `${f.culprit.namespace}/${f.culprit.name}`,
    );
    expect(culprits.filter((c) => c === 'shop/checkout-5d8f7')).toHaveLength(2);
    expect(culprits.filter((c) => c === null)).toHaveLength(1);
    expect(findings.find((f) => f.culprit === null)?.warnings.join('\n')).toMatch(/HTTP 403/);
    const wheres = corpus.map((c) => c.where);
    for (const label of ['local', 'local under faults', 'durable']) {
      expect(wheres.filter((w) => w.startsWith(`${label}: `)).length).toBeGreaterThan(20);
    }
    const all = corpus.map((c) => c.text).join('\n');
    expect(all).toContain('checkout-5d8f7');
    const traces = corpus.filter((c) => /(archive|blob) .*trace\.log$/.test(c.where));
    expect(traces.length).toBeGreaterThanOrEqual(2);
    for (const trace of traces) expect(trace.text.length).toBeGreaterThan(1_000);
    // The places the rules name are all there.
    expect(wheres).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^local: instruction #\d+ \(call startTrace\)$/),
        expect.stringMatching(/^local: output #\d+ \(call resolveCluster\)$/),
        expect.stringMatching(/^local: progress line$/),
        expect.stringMatching(/^local: Teams message #1$/),
        expect.stringMatching(/^local under faults: error into the workflow/),
        expect.stringMatching(/^durable: activity #\d+ collectTrace \(attempt 1\) output$/),
        expect.stringMatching(/^durable: context.log of collectTrace$/),
        expect.stringMatching(/^durable: custom status #\d+$/),
        expect.stringMatching(/^durable: blob .*\/finding\.json$/),
        'Azure SDK log',
      ]),
    );
    expect(scanned.strings).toBeGreaterThan(200);
    // The secrets were real and used: the credential's token is the servers' bearer token.
    expect(tokens.size).toBeGreaterThan(0);
    expect(secrets.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'kubeconfig',
        'kubeconfig (base64)',
        expect.stringMatching(/^kubeconfig token of /),
        expect.stringMatching(/^kubeconfig certificate-authority-data of /),
        'Teams webhook sig',
        'storage account key',
        'access token from the credential',
      ]),
    );
  });

  it('would find a secret planted in a copy of what was scanned, and say where', () => {
    const token = secrets.find((s) => s.name === 'sim bearer token')?.value ?? '';
    const sig = secrets.find((s) => s.name === 'Teams webhook sig')?.value ?? '';
    const kubeconfig = secrets.find((s) => s.name === 'kubeconfig')?.value ?? '';
    const planted = corpus.map((c) => ({ ...c }));
    const at = (pattern: RegExp) => planted.findIndex((c) => pattern.test(c.where));
    const status = at(/^durable: custom status/);
    const output = at(/^local: output #\d+ \(call findNode\)$/);
    const archived = at(/^durable: blob .*trace\.log$/);
    expect([status, output, archived].every((i) => i >= 0)).toBe(true);
    expect([token, sig, kubeconfig].every((v) => v.length > 12)).toBe(true);
    planted[status] = { ...planted[status]!, text: `${planted[status]!.text}Bearer ${token}` };
    planted[output] = { ...planted[output]!, text: JSON.stringify({ config: kubeconfig }) };
    planted[archived] = {
      ...planted[archived]!,
      text: `${planted[archived]!.text}sig:${Buffer.from(sig).toString('base64')}`,
    };
    const hits = scanForSecrets(planted, secrets).map(({ secret, where }) => `${secret} in ${where}`);
    expect(hits).toEqual(
      expect.arrayContaining([
        `sim bearer token in ${planted[status].where}`,
        `kubeconfig (JSON-escaped) in ${planted[output].where}`,
        expect.stringMatching(new RegExp(`^Teams webhook sig \\(base64\\) in durable: blob .*trace\\.log$`)),
      ]),
    );
  });
});
