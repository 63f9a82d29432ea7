import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectNode } from '../../src/activities/inspect-node';
import { debugPodName, debugPodSpec } from '../../src/adapters/kube/debug-pod';
import { DebugContainer } from '../../src/sim/debug-container';
import { SimClock } from '../../src/sim/sim-os';
import type { NodePod } from '../../src/core/correlate';
import { NodeModel } from '../../src/sim/node-model';
import { parseScenario } from '../../src/sim/scenario';
import type { ClusterInfo, ExecResult, KubePort, StepPorts } from '../../src/workflow/ports';

const NODE = 'aks-nodepool1-12345678-vmss000000';
const CLUSTER: ClusterInfo = {
  id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-demo/providers/Microsoft.ContainerService/managedClusters/aks-demo',
  name: 'aks-demo',
  resourceGroup: 'rg-demo',
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  nodeResourceGroup: 'MC_rg-demo_aks-demo_westeurope',
  aadEnabled: false,
  outbound: { type: 'loadBalancer', outboundIps: 1, allocatedOutboundPorts: 0, idleTimeoutMinutes: 30 },
  nodeCount: 3,
};

/**
 * The node of a scenario behind a KubePort: the debug pod's execs answered by the node model, execs into
 * application pods by the pod's container (with that container's tools). `brokenHostTools` fail on the
 * node, as a node without crictl would.
 */
function setUp(file: string, brokenHostTools: readonly string[] = []) {
  const scenario = parseScenario(readFileSync(join(__dirname, '..', 'fixtures', 'scenarios', file), 'utf8'));
  const model = new NodeModel(scenario, NODE);
  const execs: string[] = [];
  const files = new Map<string, string>();
  const debug = debugPodName('inv-1');
  // The debug pod as it runs on the node: its execs are the node's processes, in busybox and under /host.
  const debugContainer = new DebugContainer(
    model,
    debugPodSpec({
      investigationId: 'inv-1',
      nodeName: NODE,
      namespace: 'aks-snat-responder',
      image: 'busybox',
      traceSeconds: 2,
      runId: 'r',
    }),
    'debug',
    { clock: new SimClock(1000) },
  );
  const kube: KubePort = {
    exec: (namespace, name, container, command): Promise<ExecResult> => {
      execs.push(`${name === debug ? 'debug' : `${namespace}/${name}/${container}`}: ${command.join(' ')}`);
      if (name !== debug) return Promise.resolve(model.execInPod(namespace, name, container, command));
      const broken = brokenHostTools.find((tool) => command.includes(tool));
      if (broken !== undefined) {
        return Promise.resolve({
          stdout: '',
          stderr: `chroot: can't execute '${broken}': No such file or directory`,
          exitCode: 127,
        });
      }
      return debugContainer.exec(command);
    },
    execStream: () => Promise.reject(new Error('not used')),
    readLog: () => Promise.reject(new Error('not used')),
    findNodeByIp: () => Promise.reject(new Error('not used')),
    findNodeByName: () => Promise.reject(new Error('not used')),
    podsOnNode: () => Promise.reject(new Error('not used')),
    createPod: () => Promise.reject(new Error('not used')),
    readPod: () => Promise.reject(new Error('not used')),
    deletePod: () => Promise.reject(new Error('not used')),
    debugPods: () => Promise.reject(new Error('not used')),
    followLog: () => Promise.reject(new Error('not used')),
  };
  const ports: StepPorts = {
    azure: {
      findCluster: () => Promise.reject(new Error('not used')),
      snatUsage: () => Promise.reject(new Error('not used')),
      kubeconfig: () => Promise.resolve('kubeconfig'),
    },
    kube: () => kube,
    archive: () => ({
      location: 'memory://',
      write: (path, content) => {
        files.set(path, content);
        return Promise.resolve();
      },
      writeChunks: () => Promise.reject(new Error('not used')),
      read: (path) => Promise.resolve(files.get(path) ?? ''),
    }),
    debugNamespace: 'aks-snat-responder',
    debugImage: 'busybox',
  };
  const pods: NodePod[] = model.pods().map((pod) => ({
    namespace: pod.namespace,
    name: pod.name,
    ips: pod.hostNetwork ? [] : pod.podIPs,
    hostNetwork: pod.hostNetwork,
    containers: pod.containers.map((c) => c.name),
  }));
  const run = () =>
    inspectNode.run(
      {
        cluster: CLUSTER,
        investigationId: 'inv-1',
        pods,
        archiveFolder: 'aks-demo/n/x',
        privateCidrs: [],
        hostSide: true,
      },
      ports,
    );
  return { run, execs, files };
}

function counts(inspection: Awaited<ReturnType<typeof inspectNode.run>>) {
  return Object.fromEntries(
    inspection.sockets.map(({ pod, reading }) => [
      `${pod.namespace}/${pod.name}`,
      reading.kind === 'counted'
        ? [reading.counts.established, reading.counts.publicEstablished]
        : reading.kind === 'failed'
          ? reading.reason
          : 'table',
    ]),
  );
}

describe('inspectNode: correlation and every pod socket table', () => {
  it('reads every pod from the host side in one batched exec, distroless included', async () => {
    const { run, execs, files } = setUp('distroless-culprit.json');
    const inspection = await run();
    expect(counts(inspection)).toEqual({ 'shop/payments-6b9f2': [228, 220], 'shop/cart-7c9d4': [60, 60] });
    expect(inspection.problems).toEqual([]);
    expect(execs.filter((e) => !e.startsWith('debug:'))).toEqual([]);
    expect(execs.filter((e) => e.startsWith('debug: cat '))).toHaveLength(1);
    expect([...files.keys()].sort()).toEqual([
      'correlation/crictl-pods.json',
      'correlation/lsns.json',
      'correlation/pstree.txt',
      'sockets/shop__cart-7c9d4.txt',
      'sockets/shop__payments-6b9f2.txt',
    ]);
  });

  it('falls back to kubectl exec in the pod when the node has no crictl, and says why a distroless pod is unread', async () => {
    const { run, execs } = setUp('distroless-culprit.json', ['crictl']);
    const inspection = await run();
    expect(counts(inspection)).toEqual({
      'shop/payments-6b9f2':
        'no process of the pod found on the node (lsns/pstree/crictl), and kubectl exec found no cat, ss, netstat in payments',
      'shop/cart-7c9d4': [60, 60],
    });
    expect(inspection.problems).toEqual([
      "chroot /host crictl pods -o json exited 127: chroot: can't execute 'crictl': No such file or directory",
    ]);
    expect(execs.filter((e) => !e.startsWith('debug:')).sort()).toEqual([
      'shop/cart-7c9d4/cart: cat /proc/net/tcp /proc/net/tcp6',
      'shop/payments-6b9f2/payments: cat /proc/net/tcp /proc/net/tcp6',
      'shop/payments-6b9f2/payments: netstat -ptnW',
      'shop/payments-6b9f2/payments: ss -tnp',
    ]);
  });

  it('keeps only the PIDs of hostNetwork pods in the evidence it passes on', async () => {
    const { run } = setUp('hostnetwork-culprit.json');
    const inspection = await run();
    const hostNetworkPods = new Set(
      inspection.evidence.pidPods.map(({ pod }) => `${pod.namespace}/${pod.name}`),
    );
    expect([...hostNetworkPods].sort()).toEqual([
      'kube-system/kube-proxy-x7k2p',
      'monitoring/log-forwarder-q8w7e',
    ]);
    expect(counts(inspection)['monitoring/log-forwarder-q8w7e']).toEqual([155, 150]);
  });
});
