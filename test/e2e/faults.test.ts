import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AzureAccess } from '../../src/adapters/azure/azure-access';
import { KubeAccess } from '../../src/adapters/kube/kube-access';
import { postToTeams } from '../../src/adapters/teams/teams-webhook';
import type { Finding } from '../../src/core/finding';
import { DEFAULT_SCENARIO } from '../../src/sim/default-scenario';
import type { z } from 'zod';
import { FaultPlan, faultsSchema } from '../../src/sim/scenario-faults';

/** Faults as a scenario file writes them (defaults left out). */
type Faults = z.input<typeof faultsSchema>;
import { faultyArchive } from '../../src/sim/sim-archive';
import { SIM_DEBUG_NAMESPACE, startSimCluster } from '../../src/sim/sim-cluster';
import { simCredential } from '../../src/sim/sim-credential';
import { investigate } from '../../src/workflow/local-driver';
import { MemoryArchives } from '../helpers/memory-archive';

/**
 * The driver's own waits (step retries, timers) made short; the trace still runs its real 2 s in the
 * simulator, and the adapters' retries (Kubernetes, ARM, Teams) keep their real backoff.
 */
const fastSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 5)));

interface Outcome {
  readonly finding: Finding;
  /** Paths in the archive folder. */
  readonly archived: string[];
  /** Paths still in the spool (kept, never archived). */
  readonly spooled: string[];
  readonly cards: number;
  readonly debugPodsLeft: number;
  readonly seconds: number;
}

/** The whole responder (real SDK and client-node over sockets) against the demo cluster with `faults`. */
async function run(written: Faults, clockScale = 4): Promise<Outcome> {
  const faults = faultsSchema.parse(written);
  const scenario = { ...DEFAULT_SCENARIO, faults };
  // The nodes' clocks 4 times the wall clock: the BPF compile and the pod's own 2 s window in a quarter.
  const sim = await startSimCluster(scenario, { startDelayMs: 20, clockScale });
  const spoolRoot = mkdtempSync(join(tmpdir(), 'aks-snat-spool-'));
  const started = Date.now();
  try {
    const archives = new MemoryArchives();
    const blob = new FaultPlan(faults.blob, scenario.seed, 'blob');
    let folder = '';
    const finding = await investigate(
      {
        investigationId: 'faults',
        cluster: { clusterId: sim.arm.clusterId },
        node: { ip: sim.alertNodeIp },
        traceSeconds: 2,
        requestedAt: new Date().toISOString(),
      },
      {
        azure: new AzureAccess({
          credential: simCredential(sim.token),
          endpoint: sim.arm.endpoint,
          tlsOptions: { ca: sim.arm.ca },
        }),
        kube: (kubeconfig) =>
          new KubeAccess({
            kubeconfig,
            retry: { attempts: 6, baseDelayMs: 50, maxDelayMs: 1_500, requestTimeoutMs: 1_000 },
          }),
        archive: (name) => {
          folder = name;
          return faultyArchive(archives.folder(name), blob);
        },
        teams: (message) => postToTeams(sim.teams.url, message, { baseDelayMs: 50, timeoutMs: 1_000 }),
        debugNamespace: SIM_DEBUG_NAMESPACE,
        debugImage: 'busybox',
        startTimeoutMs: 2_000,
        spoolRoot,
      },
      { sleep: fastSleep },
    );
    const spooled: string[] = [];
    const walk = (dir: string, prefix: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
        else spooled.push(`${prefix}${entry.name}`);
      }
    };
    walk(spoolRoot, '');
    return {
      finding,
      archived: archives.paths(folder),
      spooled,
      cards: sim.teams.received.length,
      debugPodsLeft: sim.kube.pods().filter((p) => p.metadata?.namespace === SIM_DEBUG_NAMESPACE).length,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await sim.close();
    rmSync(spoolRoot, { recursive: true, force: true });
  }
}

function figures(finding: Finding, name: string) {
  const pod = finding.pods.find((p) => `${p.namespace}/${p.name}` === name);
  return pod && [pod.established, pod.publicEstablished, pod.tracedConnects, pod.tracedPublicConnects];
}

const CHECKOUT = 'shop/checkout-5d8f7';
/** The demo's figures with nothing failing (see demo-attribution.test.ts). */
const EXACT = [322, 312, 88, 86];
const RAW = ['card.json', 'correlation/crictl-pods.json', 'finding.json', 'report.html', 'trace.log'];

describe('the responder under faults: a useful finding, no debug pod left, the evidence kept', () => {
  it.each<[string, Faults]>([
    [
      'Kubernetes API 429 with Retry-After',
      { kubeApi: { status: 429, rate: 0.2, retryAfterSeconds: 1, count: 6 } },
    ],
    ['Kubernetes API 500', { kubeApi: { status: 500, rate: 0.2 } }],
    ['Kubernetes API timeouts', { kubeApi: { status: 'timeout', rate: 0.1, count: 3 } }],
    ['ARM 429 with Retry-After', { arm: { status: 429, retryAfterSeconds: 1, count: 2 } }],
    ['ARM 503', { arm: { status: 503, count: 2 } }],
    ['Teams 429 with Retry-After', { teams: { status: 429, retryAfterSeconds: 1, count: 2 } }],
    ['Teams 502', { teams: { status: 502, count: 1 } }],
    ['Teams timeout', { teams: { status: 'timeout', count: 1 } }],
  ])('%s: rides it out with bounded retries; the finding is complete and exact', async (_name, faults) => {
    const outcome = await run(faults);
    expect(outcome.finding.warnings).toEqual([]);
    expect(outcome.finding.status).toBe('complete');
    expect(outcome.finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
    expect(figures(outcome.finding, CHECKOUT)).toEqual(EXACT);
    expect(outcome.debugPodsLeft).toBe(0);
    expect(outcome.archived).toEqual(expect.arrayContaining(RAW));
    expect(outcome.cards).toBe(1);
  });

  it('exec refused: nothing can be read from the node (the trace is a file in the pod): partial, saying why', async () => {
    const { finding, debugPodsLeft, archived, cards } = await run({ exec: 'refused' });
    expect(finding.status).toBe('partial');
    expect(finding.trace).toBeNull();
    expect(finding.culprit).toBeNull();
    const checkout = finding.pods.find((p) => p.name === 'checkout-5d8f7');
    expect(checkout?.established).toBeNull();
    expect(finding.warnings[0]).toMatch(
      /^no trace: exec in aks-snat-responder\/aks-snat-debug-\w+ failed \(HTTP 403\)(: Unexpected server response: 403)?: the trace is a file in the debug pod, read by exec \(pods\/exec in namespace aks-snat-responder/,
    );
    expect(finding.warnings.join('\n')).toMatch(
      /lsns not run: exec in aks-snat-responder\/aks-snat-debug-\w+ failed \(HTTP 403\)/,
    );
    expect(debugPodsLeft).toBe(0);
    expect(archived).toEqual(expect.arrayContaining(['finding.json', 'debug-pod.json']));
    expect(cards).toBe(1);
  });

  it.each<[string, Faults, RegExp]>([
    ['stuck Pending', { debugPod: 'pending' }, /not running after 2 s \(ContainerCreating\)$/],
    [
      'ImagePullBackOff',
      { debugPod: 'imagePullBackOff' },
      /cannot start: ImagePullBackOff: Back-off pulling image "busybox"/,
    ],
  ])(
    'debug pod %s: no trace, but every pod read by kubectl exec; the pod deleted',
    async (_name, faults, why) => {
      const { finding, debugPodsLeft, archived, cards } = await run(faults);
      expect(finding.status).toBe('partial');
      expect(finding.trace).toBeNull();
      expect(finding.warnings[0]).toMatch(/^no trace: debug pod aks-snat-responder\/aks-snat-debug-\w+ /);
      expect(finding.warnings[0]).toMatch(why);
      // kubectl exec into the pods: the sockets are exact, only the traced columns are missing.
      expect(figures(finding, CHECKOUT)).toEqual([322, 312, 0, 0]);
      expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
      expect(debugPodsLeft).toBe(0);
      expect(archived).toEqual(expect.arrayContaining(['sockets/shop__checkout-5d8f7.txt', 'finding.json']));
      expect(cards).toBe(1);
    },
  );

  it('the node removed mid-trace: partial, the trace lost and said so', async () => {
    // On the node's own clock: the BPF compile takes 2.5 s on this node, then the 2 s window; the node goes
    // 3.5 s after the pod was made, a second from either end.
    const { finding, debugPodsLeft, cards } = await run({ nodeRemoved: { afterSeconds: 3.5 } }, 1);
    expect(finding.status).toBe('partial');
    expect(finding.warnings).toContain(
      'the debug pod was gone before the trace ended (deleted, or its node removed from the cluster): the trace is lost',
    );
    expect(debugPodsLeft).toBe(0);
    expect(cards).toBe(1);
  });

  it('ARM failing throughout: a failed finding that names the cluster and the answer, and no pod made', async () => {
    const { finding, debugPodsLeft, archived, cards, seconds } = await run({ arm: { status: 503 } });
    expect(finding.status).toBe('failed');
    expect(finding.warnings[0]).toMatch(/^cluster \/subscriptions\/.*\/managedClusters\/aks-demo: .*503/i);
    expect(debugPodsLeft).toBe(0);
    // No cluster, no archive folder to name: the finding is returned, not archived.
    expect(archived).toEqual([]);
    expect(cards).toBe(0);
    expect(seconds).toBeLessThan(60);
  });

  it('Monitor metrics missing: the finding says so, the port figures from the outbound profile', async () => {
    const { finding } = await run({ metrics: 'missing' });
    expect(finding.status).toBe('partial');
    expect(finding.warnings).toEqual([
      'no SNAT metrics for 10.224.0.4 in the last 30 minutes (a new load balancer, or Monitor behind): the port figures come from the outbound profile alone',
    ]);
    expect(figures(finding, CHECKOUT)).toEqual(EXACT);
    expect(finding.snat?.usedPorts).toBe(0);
  });

  it('Teams down throughout: the finding archived, the card not posted and said so', async () => {
    const { finding, archived, cards } = await run({ teams: { status: 503 } });
    expect(finding.status).toBe('complete');
    expect(finding.warnings).toEqual([
      'card not posted to Teams (4 attempts): HTTP 503: {"error":{"code":"ServiceUnavailable"}}; the finding is archived',
    ]);
    expect(archived).toEqual(expect.arrayContaining(RAW));
    expect(cards).toBe(0);
  });

  it('Blob down for a while: raw outputs kept in the spool and archived by a retry; the card says so', async () => {
    const { finding, archived, spooled, cards } = await run({ blob: { status: 503, count: 6 } });
    expect(spooled).toEqual([]);
    expect(archived).toEqual(expect.arrayContaining([...RAW, 'sockets/shop__checkout-5d8f7.txt']));
    expect(finding.archive?.location).toMatch(/^memory:\/\/archive\//);
    expect(
      finding.warnings.some((w) =>
        /^\d+ raw files were kept on .* while the archive was unavailable, and archived by a retry$/.test(w),
      ),
    ).toBe(true);
    expect(figures(finding, CHECKOUT)).toEqual(EXACT);
    expect(cards).toBe(1);
  });

  it('Blob down throughout: the card from the finding saying the evidence is kept; nothing lost', async () => {
    const { finding, archived, spooled, cards } = await run({ blob: { status: 503 } });
    expect(archived).toEqual([]);
    expect(spooled).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\/trace\.log$/),
        expect.stringMatching(/\/sockets\/shop__checkout-5d8f7\.txt$/),
      ]),
    );
    expect(finding.archive).toBeNull();
    expect(finding.status).toBe('partial');
    expect(finding.warnings[0]).toMatch(
      /^evidence not archived yet: Blob storage unavailable \(.*\): HTTP 503 ServerBusy/,
    );
    expect(finding.warnings.at(-1)).toBe(
      "evidence not archived after 4 tries: the raw outputs stay in the responder's spool",
    );
    expect(cards).toBe(1);
  });
});
