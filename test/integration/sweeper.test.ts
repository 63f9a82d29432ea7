import { AzureAccess } from '../../src/adapters/azure/azure-access';
import { debugPodName, debugPodSpec } from '../../src/adapters/kube/debug-pod';
import { KubeAccess } from '../../src/adapters/kube/kube-access';
import { staleDebugPods } from '../../src/core/stale-debug-pods';
import { sweepDebugPods } from '../../src/functions/sweeper';
import { DEFAULT_SCENARIO } from '../../src/sim/default-scenario';
import { SIM_DEBUG_NAMESPACE, startSimCluster, type SimCluster } from '../../src/sim/sim-cluster';
import { simCredential } from '../../src/sim/sim-credential';

let sim: SimCluster;

beforeAll(async () => {
  sim = await startSimCluster(DEFAULT_SCENARIO, { startDelayMs: 20 });
}, 60_000);

afterAll(async () => {
  await sim.close();
});

function debugPods() {
  return sim.kube
    .pods()
    .filter((p) => p.metadata?.namespace === SIM_DEBUG_NAMESPACE)
    .map((p) => p.metadata?.name)
    .sort();
}

describe('the sweeper, against the simulated cluster', () => {
  it('deletes the debug pods past their deadline and leaves an investigation in progress alone', async () => {
    const credential = simCredential(sim.token);
    const azure = new AzureAccess({ credential, endpoint: sim.arm.endpoint, tlsOptions: { ca: sim.arm.ca } });
    const kube = new KubeAccess({
      kubeconfig: await azure.kubeconfig(await azure.findCluster({ clusterId: sim.arm.clusterId })),
    });
    const node = 'aks-nodepool1-12345678-vmss000000';
    const spec = (id: string, traceSeconds: number) =>
      debugPodSpec({
        investigationId: id,
        nodeName: node,
        namespace: SIM_DEBUG_NAMESPACE,
        image: 'busybox',
        traceSeconds,
        runId: '2026-11-22T10:00:00.000Z',
      });
    await kube.createPod(spec('crashed', 1)); // deadline 180 + 1 + 300 + 60 s = 541 s
    await kube.createPod(spec('running', 600)); // deadline 1140 s
    expect(debugPods()).toEqual([debugPodName('running'), debugPodName('crashed')].sort());

    const now = new Date(Date.now() + 600_000);
    const lines = await sweepDebugPods(
      [
        { clusterId: sim.arm.clusterId },
        { clusterId: sim.arm.clusterId }, // touched twice: swept once
        { subscriptionId: '00000000-0000-0000-0000-000000000000', nodeResourceGroup: 'MC_gone' },
      ],
      { azure, kube: (kubeconfig) => new KubeAccess({ kubeconfig }), debugNamespace: SIM_DEBUG_NAMESPACE },
      now,
    );
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^aks-demo: deleted ${SIM_DEBUG_NAMESPACE}/${debugPodName('crashed')} \\(\\d+ s past its deadline\\)$`,
        ),
      ),
      'MC_gone: not swept: no managed cluster in subscription 00000000-0000-0000-0000-000000000000 has node resource group MC_gone',
    ]);
    expect(debugPods()).toEqual([debugPodName('running')]);
    await kube.deletePod(SIM_DEBUG_NAMESPACE, debugPodName('running'));
  }, 60_000);
});

describe('staleDebugPods', () => {
  const pod = (name: string, phase: string, deadlineSeconds: number | null) => ({
    namespace: 'aks-snat-responder',
    name,
    createdAt: '2026-11-22T10:00:00.000Z',
    deadlineSeconds,
    phase,
  });

  it('picks finished pods and those past their deadline, nothing else', () => {
    const now = new Date('2026-11-22T10:10:00Z');
    expect(
      staleDebugPods(
        [
          pod('finished', 'Succeeded', 900),
          pod('killed', 'Failed', 900),
          pod('overdue', 'Running', 300),
          pod('busy', 'Running', 900),
          pod('no-deadline', 'Running', null),
        ],
        now,
      ).map(({ pod: p, why }) => `${p.name}: ${why}`),
    ).toEqual(['finished: phase Succeeded', 'killed: phase Failed', 'overdue: 300 s past its deadline']);
  });
});
