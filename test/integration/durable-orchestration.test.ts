import { runActivity, type ActivityName } from '../../src/activities/registry';
import { AzureAccess } from '../../src/adapters/azure/azure-access';
import { KubeAccess } from '../../src/adapters/kube/kube-access';
import type { Finding } from '../../src/core/finding';
import { investigateSnat } from '../../src/orchestrations/investigate-snat';
import { DEFAULT_SCENARIO } from '../../src/sim/default-scenario';
import { SIM_DEBUG_NAMESPACE, startSimCluster, type SimCluster } from '../../src/sim/sim-cluster';
import type { InvestigationRequest } from '../../src/workflow/investigation';
import type { StepPorts } from '../../src/workflow/ports';
import { replay, type Replay } from '../helpers/durable-replay';
import { MemoryArchives } from '../helpers/memory-archive';
import { startAzurite } from '../helpers/azurite';
import { BlobArchives } from '../../src/adapters/archive/blob-archive';
import { BlobServiceClient } from '@azure/storage-blob';
import { startTeamsReceiver, type TeamsReceiver } from '../helpers/teams-receiver';
import { postToTeams } from '../../src/adapters/teams/teams-webhook';
import { STEPS } from '../helpers/investigation-steps';
import { simCredential } from '../../src/sim/sim-credential';

const START = new Date('2026-11-22T10:15:00Z');

/** What one investigation of the built-in scenario's node archives (DESIGN.md section 4). */
const LAYOUT = [
  'card.json',
  // every node-side command line with its exit status, and the exact pod spec that ran privileged
  'commands.txt',
  'correlation/crictl-pods.json',
  'correlation/lsns.json',
  'correlation/pstree.txt',
  'debug-pod.json',
  'finding.json',
  'report.html',
  'sockets/host-netns.txt',
  'sockets/shop__cart-7c9d4.txt',
  'sockets/shop__checkout-5d8f7.txt',
  'sockets/shop__frontend-8c7d5.txt',
  'sockets/shop__payments-6b9f2.txt',
  'trace.log',
  // tcptracer's stderr, from the pod's log: libbcc's lost samples, Python's errors
  'trace.stderr.txt',
];

let sim: SimCluster;
let ports: StepPorts;
let teams: TeamsReceiver;
const archives = new MemoryArchives();

beforeAll(async () => {
  sim = await startSimCluster(DEFAULT_SCENARIO, { startDelayMs: 20 });
  teams = await startTeamsReceiver();
  const credential = simCredential(sim.token);
  ports = {
    azure: new AzureAccess({ credential, endpoint: sim.arm.endpoint, tlsOptions: { ca: sim.arm.ca } }),
    kube: (kubeconfig) => new KubeAccess({ kubeconfig }),
    archive: (folder) => archives.folder(folder),
    debugNamespace: SIM_DEBUG_NAMESPACE,
    debugImage: 'busybox',
    teams: (message) => postToTeams(teams.url, message, { baseDelayMs: 5 }),
  };
}, 60_000);

afterAll(async () => {
  await sim.close();
  await teams.close();
});

function request(id: string): InvestigationRequest {
  return {
    investigationId: id,
    cluster: { clusterId: sim.arm.clusterId },
    node: { ip: sim.alertNodeIp },
    traceSeconds: 2,
    requestedAt: START.toISOString(),
  };
}

/** The orchestrator replayed by durable-functions, its activities the real ones against the simulator. */
function run(
  id: string,
  fault: (name: ActivityName, attempt: number) => Error | null = () => null,
  durations: Readonly<Record<string, number>> = {},
  through: StepPorts = ports,
): Promise<Replay> {
  return replay(
    investigateSnat,
    request(id),
    async (name, input, attempt) => {
      const error = fault(name as ActivityName, attempt);
      if (error !== null) throw error;
      return runActivity(name as ActivityName, input, through);
    },
    { start: START, instanceId: id, durations },
  );
}

function names(result: Replay): string[] {
  return result.runs.map(
    (r) => `${r.name}${r.attempt > 1 ? ` #${r.attempt}` : ''}${r.outcome === 'failed' ? ' ✗' : ''}`,
  );
}

function debugPods() {
  return sim.kube.pods().filter((p) => p.metadata?.namespace === SIM_DEBUG_NAMESPACE);
}

describe('the Durable orchestration, replayed by durable-functions over the simulated cluster', () => {
  it('investigates end to end: the same finding as the CLI, 9 activity calls, one durable timer', async () => {
    const result = await run('orch-happy');
    expect(result.error).toBeUndefined();
    const finding = result.output as Finding;
    expect(finding.status).toBe('complete');
    expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
    const checkout = finding.pods.find((p) => p.name === 'checkout-5d8f7');
    expect([
      checkout?.established,
      checkout?.publicEstablished,
      checkout?.tracedConnects,
      checkout?.tracedPublicConnects,
    ]).toEqual([322, 312, 88, 86]);
    expect(names(result)).toEqual(STEPS);
    // The trace window is a durable timer of traceSeconds, not a sleep inside an activity (set 3 s into the
    // orchestration's clock: the stand-in host moves it a second an episode).
    expect(result.timers.map((t) => (t.fireAt.getTime() - START.getTime()) / 1000)).toEqual([2 + 3]);
    expect(finding.archive?.location).toBe(
      'memory://archive/aks-demo/aks-nodepool1-12345678-vmss000000/20261122T101500Z-orch-happy/',
    );
    const folder = 'aks-demo/aks-nodepool1-12345678-vmss000000/20261122T101500Z-orch-happy';
    expect(archives.paths(folder)).toEqual(LAYOUT);
    // The card went to Teams after the archive, as archived, in the Workflows envelope.
    expect(teams.received).toHaveLength(1);
    expect(teams.received[0]).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: JSON.parse(archives.files.get(`${folder}/card.json`) ?? 'null') as unknown,
        },
      ],
    });
    expect(result.statuses.at(-1)).toEqual({
      step: 'done',
      status: 'complete',
      archive: finding.archive,
      warnings: [],
    });
    expect(debugPods()).toEqual([]);
  }, 60_000);

  it('archives the finding and says so in the status when Teams stays down', async () => {
    teams.failWith = 503;
    try {
      const result = await run('orch-teams-down');
      const finding = result.output as Finding;
      const warning =
        'card not posted to Teams (4 attempts): HTTP 503: Service Unavailable; the finding is archived';
      expect(finding.warnings.at(-1)).toBe(warning);
      expect(result.statuses.at(-1)).toMatchObject({ step: 'done', status: 'complete', warnings: [warning] });
      expect(
        archives.paths('aks-demo/aks-nodepool1-12345678-vmss000000/20261122T101500Z-orch-teams-down'),
      ).toContain('finding.json');
      expect(teams.requests).toBeGreaterThanOrEqual(4);
    } finally {
      teams.failWith = null;
    }
  }, 60_000);

  it('stops at its overall deadline, but still deletes the debug pod and archives what it has', async () => {
    // Starting the debug pod takes 20 minutes (an image pull on a starved node): past trace + 15 min.
    const result = await run('orch-deadline', () => null, { startTrace: 20 * 60_000 });
    expect(names(result)).toEqual([
      'resolveCluster',
      'findNode',
      'startTrace',
      'deleteDebugPod',
      'archiveFinding',
      'postCard',
    ]);
    const finding = result.output as Finding;
    expect(finding.status).toBe('partial');
    expect(finding.warnings).toEqual([
      'node not inspected: the investigation ran past its deadline before snatUsage',
      'the investigation ran past its deadline before collectTrace',
      'SNAT metrics not read: the investigation ran past its deadline before snatUsage',
    ]);
    expect(debugPods()).toEqual([]);
  }, 60_000);

  it('archives to Blob storage (Azurite) in the layout of DESIGN.md section 4, before the card', async () => {
    const azurite = await startAzurite();
    try {
      const blobs = new BlobArchives({
        connectionString: azurite.connectionString,
        container: 'snat-findings',
      });
      const result = await run(
        'orch-blob',
        () => null,
        {},
        { ...ports, archive: (folder) => blobs.folder(folder) },
      );
      const finding = result.output as Finding;
      const folder = 'aks-demo/aks-nodepool1-12345678-vmss000000/20261122T101500Z-orch-blob';
      expect(finding.archive?.location).toMatch(new RegExp(`/devstoreaccount1/snat-findings/${folder}/$`));
      const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
        'snat-findings',
      );
      const names: string[] = [];
      for await (const blob of container.listBlobsFlat({ prefix: `${folder}/` }))
        names.push(blob.name.slice(folder.length + 1));
      expect(names).toEqual(LAYOUT);
      const archived = JSON.parse(
        (await container.getBlockBlobClient(`${folder}/finding.json`).downloadToBuffer()).toString(),
      ) as Finding;
      expect(archived.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
      // The card Teams got is the archived one.
      expect(teams.received.at(-1)).toMatchObject({
        attachments: [
          {
            content: JSON.parse(
              (await container.getBlockBlobClient(`${folder}/card.json`).downloadToBuffer()).toString(),
            ) as unknown,
          },
        ],
      });
    } finally {
      await azurite.stop();
    }
  }, 90_000);

  it('keeps the kubeconfig and tokens out of the history: inputs, outputs and custom status', async () => {
    const result = await run('orch-secrets');
    expect(result.historyText).not.toContain(sim.token);
    expect(result.historyText).not.toMatch(/kubeconfig|client-certificate|BEGIN CERTIFICATE|Bearer/i);
  }, 60_000);

  it('retries a failed activity, and goes on when the retry works', async () => {
    const result = await run('orch-retry', (name, attempt) =>
      name === 'collectTrace' && attempt === 1 ? new Error('following the log failed (HTTP 500)') : null,
    );
    expect(names(result)).toContain('collectTrace ✗');
    expect(names(result)).toContain('collectTrace #2');
    expect((result.output as Finding).status).toBe('complete');
  }, 60_000);

  it('gives a partial finding, saying why, when an activity fails every attempt; the debug pod is still deleted', async () => {
    const result = await run('orch-fail', (name) =>
      name === 'collectTrace'
        ? new Error('following the log of aks-snat-responder/x failed (HTTP 500)')
        : null,
    );
    const finding = result.output as Finding;
    expect(names(result).filter((n) => n.startsWith('collectTrace'))).toEqual([
      'collectTrace ✗',
      'collectTrace #2 ✗',
      'collectTrace #3 ✗',
    ]);
    expect(finding.status).toBe('partial');
    expect(finding.trace).toBeNull();
    expect(finding.warnings).toContain('following the log of aks-snat-responder/x failed (HTTP 500)');
    expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' }); // on its sockets alone
    expect(names(result).slice(-3)).toEqual(['deleteDebugPod', 'archiveFinding', 'postCard']);
    expect(debugPods()).toEqual([]);
  }, 60_000);

  it('cleans up when starting the trace fails, and still archives a finding', async () => {
    const result = await run('orch-start', (name) =>
      name === 'startTrace' ? new Error('creating pod aks-snat-responder/x failed (HTTP 403)') : null,
    );
    expect(names(result)).toEqual([
      'resolveCluster',
      'findNode',
      'startTrace ✗',
      'startTrace #2 ✗',
      'startTrace #3 ✗',
      'deleteDebugPod',
      'snatUsage',
      'archiveFinding',
      'postCard',
    ]);
    const finding = result.output as Finding;
    expect(finding.status).toBe('partial');
    expect(finding.warnings).toContain('creating pod aks-snat-responder/x failed (HTTP 403)');
    expect(result.timers).toEqual([]); // no trace window was started
    expect(debugPods()).toEqual([]);
  }, 60_000);
});
