import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DirectoryArchive } from '../adapters/archive/directory-archive';
import { InputError } from '../core/errors';
import { canonicalNodeIp, MAX_TRACE_SECONDS } from '../core/investigation-request';
import { DEFAULT_SCENARIO } from '../sim/default-scenario';
import { parseScenario, type Scenario } from '../sim/scenario';
import { startSimClusterThread } from '../sim/sim-cluster-thread';
import type { CliIo } from './io';
import { printFinding } from './print-finding';
import { DEMO_USAGE } from './usage';
import { simCredential } from '../sim/sim-credential';

/** What a demo writes into --out, so that a second run replaces the first and nothing else. */
const DEMO_OUTPUTS = [
  'finding.json',
  'card.json',
  'report.html',
  'trace.log',
  'trace.stderr.txt',
  'debug-pod.json',
  'commands.txt',
  'sockets',
  'correlation',
];

async function loadScenario(path: string | undefined): Promise<Scenario> {
  if (path === undefined) return DEFAULT_SCENARIO;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`--scenario file not found: ${path}`, { cause: error });
  }
  return parseScenario(text);
}

/** --out may be new, empty, or an earlier demo's output (which is replaced); anything else is refused. */
async function prepareOut(out: string): Promise<void> {
  if (!existsSync(out)) return;
  const entries = readdirSync(out);
  if (entries.length === 0) return;
  if (!entries.includes('finding.json') || entries.some((e) => !DEMO_OUTPUTS.includes(e))) {
    throw new InputError(
      `--out ${out} holds files that are not an earlier demo's: choose an empty or new folder`,
    );
  }
  await Promise.all(DEMO_OUTPUTS.map((entry) => rm(join(out, entry), { recursive: true, force: true })));
}

/** The whole responder against the simulated AKS cluster: no Azure account needed. */
export async function runDemo(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      scenario: { type: 'string' },
      'node-ip': { type: 'string' },
      'trace-seconds': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0)
    throw new InputError(`unexpected argument '${positionals[0]}' (usage: ${DEMO_USAGE})`);
  const scenario = await loadScenario(values.scenario);
  const seconds = values['trace-seconds'];
  if (
    seconds !== undefined &&
    !(/^\d+$/.test(seconds) && Number(seconds) >= 1 && Number(seconds) <= MAX_TRACE_SECONDS)
  ) {
    throw new InputError(
      `--trace-seconds must be a whole number from 1 to ${MAX_TRACE_SECONDS}, not '${seconds}'`,
    );
  }
  const nodeIp = values['node-ip'];
  if (nodeIp !== undefined && canonicalNodeIp(nodeIp) === null)
    throw new InputError(`--node-ip is not an IP address: '${nodeIp}'`);
  const out = values.out ?? 'snat-demo';
  await prepareOut(out);

  io.stderr.write(
    `starting the simulated cluster ${scenario.cluster.name} (${scenario.nodes.length + scenario.extraNodes} nodes)\n`,
  );
  // The cluster boots in its own thread while this one loads the Azure SDK and client-node.
  const simStarting = startSimClusterThread(scenario);
  const modules = Promise.all([
    import('../adapters/azure/azure-access'),
    import('../adapters/kube/kube-access'),
    import('../workflow/local-driver'),
    import('../adapters/kube/debug-pod'),
    import('../sim/sim-namespace'),
    import('../adapters/teams/teams-webhook'),
    import('../sim/sim-archive'),
    import('../sim/scenario-faults'),
  ]);
  const sim = await simStarting;
  try {
    const [
      { AzureAccess },
      { KubeAccess },
      { investigate },
      { DEFAULT_DEBUG_IMAGE },
      { SIM_DEBUG_NAMESPACE },
      { postToTeams },
      { faultyArchive },
      { FaultPlan },
    ] = await modules;
    const credential = simCredential(sim.token);
    // The scenario's `blob` fault stands for Blob storage failing under the --out folder.
    const archive = faultyArchive(
      new DirectoryArchive(out),
      new FaultPlan(scenario.faults?.blob, scenario.seed, 'blob'),
    );
    const finding = await investigate(
      {
        investigationId: `demo-${randomUUID()}`,
        cluster: { clusterId: sim.clusterId },
        node: { ip: nodeIp ?? sim.alertNodeIp },
        traceSeconds: seconds === undefined ? scenario.traceSeconds : Number(seconds),
        requestedAt: new Date().toISOString(),
      },
      {
        azure: new AzureAccess({ credential, endpoint: sim.armEndpoint, tlsOptions: { ca: sim.armCa } }),
        kube: (kubeconfig) => new KubeAccess({ kubeconfig }),
        archive: () => archive,
        // The card goes to the simulated cluster's own Teams channel, as it would to a real one.
        teams: (message) => postToTeams(sim.teamsUrl, message),
        debugNamespace: SIM_DEBUG_NAMESPACE,
        debugImage: DEFAULT_DEBUG_IMAGE,
        startTimeoutMs: 20_000,
        progress: (line) => io.stderr.write(`${line}\n`),
      },
    );
    printFinding(finding, values.json ?? false, io);
    return 0;
  } finally {
    await sim.close();
  }
}
