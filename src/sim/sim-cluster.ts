import { randomBytes } from 'node:crypto';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { INVESTIGATION_LABEL } from '../adapters/kube/debug-pod';
import { IpClassifier } from '../core/classify-ip';
import { portsPerNode } from '../core/snat-budget';
import { startSimArmServer, type SimArmServer } from './arm-server';
import { clusterNodes, type ClusterNode } from './cluster-layout';
import { startSimKubeApiServer, type SimKubeApiServer } from './kube-api-server';
import { NodeModel, type SimPod } from './node-model';
import type { PodRuntime } from './pod-runtime';
import { parseHostPort, type Scenario } from './scenario';

import { SIM_DEBUG_NAMESPACE } from './sim-namespace';
import { DebugContainer } from './debug-container';
import { nodeImage, type NodeImage } from './node-images';
import { rng } from './random';
import { SimClock } from './sim-os';
import type { TracerFaults } from './sim-tracer';
import { FaultPlan } from './scenario-faults';
import { startTeamsChannel, type SimTeamsChannel } from './teams-channel';

export { SIM_DEBUG_NAMESPACE };

export interface SimCluster {
  readonly scenario: Scenario;
  readonly kube: SimKubeApiServer;
  readonly arm: SimArmServer;
  /** The channel the card goes to: a Teams Workflows webhook of its own. */
  readonly teams: SimTeamsChannel;
  /** The bearer token both servers require (the ARM credential returns it too). */
  readonly token: string;
  /** The node the demo's alert names by default: the scenario's first. */
  readonly alertNodeIp: string;
  /** The model behind a scenario node (what its tracers printed, for a benchmark to count against). */
  readonly nodeModel: (name: string) => NodeModel | undefined;
  close(): Promise<void>;
}

function v1Node(node: ClusterNode, created: string, image: NodeImage): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      creationTimestamp: created as unknown as Date,
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': image.os,
        'kubernetes.io/arch': 'amd64',
        'kubernetes.azure.com/agentpool': 'nodepool1',
        'node.kubernetes.io/instance-type': 'Standard_D4ds_v5',
      },
    },
    spec: { podCIDR: `10.244.${node.index % 256}.0/24` },
    status: {
      addresses: [
        { type: 'InternalIP', address: node.ip },
        { type: 'Hostname', address: node.name },
      ],
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'containerd://1.7.27-1',
        kernelVersion: image.kernelVersion,
        kubeProxyVersion: '',
        kubeletVersion: 'v1.32.4',
        machineID: '',
        operatingSystem: image.os,
        osImage: image.osImage,
        systemUUID: '',
      },
    },
  };
}

function v1Pod(pod: SimPod): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: pod.namespace,
      name: pod.name,
      uid: pod.uid,
      labels: { ...pod.labels },
      creationTimestamp: pod.createdAt as unknown as Date,
    },
    spec: {
      nodeName: pod.nodeName,
      hostNetwork: pod.hostNetwork,
      containers: pod.containers.map((c) => ({ name: c.name, image: c.image, command: [...c.command] })),
    },
    status: {
      phase: 'Running',
      hostIP: pod.hostIP,
      podIP: pod.podIP,
      podIPs: pod.podIPs.map((ip) => ({ ip })),
      startTime: pod.createdAt as unknown as Date,
      containerStatuses: pod.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: c.imageId,
        containerID: `containerd://${c.containerId}`,
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: c.startedAt as unknown as Date } },
      })),
    },
  };
}

/**
 * SNAT figures per node for the load balancer's metrics: ports held by ESTABLISHED connections to public
 * addresses, plus those of the minute's worth of connects that a closed connection keeps for a while.
 * Demand past the node's allocation shows as failed connections.
 */
function snatFigures(scenario: Scenario, nodes: readonly ClusterNode[]) {
  const classifier = new IpClassifier();
  const allocated = portsPerNode(scenario.cluster.outbound.allocatedOutboundPorts, nodes.length) ?? 32;
  const figures = new Map<
    string,
    { usedPorts: number; allocatedPorts: number; failedConnections: number; successfulConnections: number }
  >();
  for (const node of nodes) {
    const pods = scenario.nodes.find((n) => n.name === node.name)?.pods ?? [];
    let demand = 0;
    let connects = 0;
    for (const traffic of pods.flatMap((p) => p.traffic)) {
      const to = parseHostPort(traffic.to);
      if (to === null || !classifier.isPublic(to.address)) continue;
      demand += traffic.established + Math.round(traffic.connectsPerSecond * 60);
      connects += Math.round(traffic.connectsPerSecond * 1800);
    }
    const failed = Math.max(0, demand - allocated) * 30;
    figures.set(node.ip, {
      usedPorts: Math.min(demand, allocated),
      allocatedPorts: allocated,
      failedConnections: failed,
      successfulConnections: Math.max(0, connects - failed),
    });
  }
  return figures;
}

function holdUntil(signal?: AbortSignal): AsyncIterable<string> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        await wait(24 * 3_600_000, signal);
        return { done: true, value: undefined };
      },
    }),
  };
}

/** A node's uptime when the simulation starts: days, seeded per node. */
function bootUptime(seed: number, nodeName: string): number {
  return Math.round(rng(seed, 'uptime', nodeName).int(86_400, 5 * 86_400) * 100) / 100;
}

/** What the scenario makes the tracer meet on every node (`faults.tracer`). */
function tracerFaults(scenario: Scenario): TracerFaults {
  const fault = scenario.faults?.tracer;
  return { kernelHeadersMissing: fault === 'kernelHeadersMissing', oomKilled: fault === 'oomKilled' };
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * The whole simulated AKS cluster of a scenario: the Kubernetes API server (nodes, pods, and a node model
 * behind every scenario node answering the debug pod) and the ARM server (the managed cluster, its
 * credentials pointing at that API server, the load balancer's SNAT metrics).
 */
export async function startSimCluster(
  scenario: Scenario,
  options: {
    readonly kubePort?: number;
    readonly armPort?: number;
    readonly startDelayMs?: number;
    /** How much faster than the wall clock the nodes' clocks run (the BPF compile, `sleep`, the trace). */
    readonly clockScale?: number;
  } = {},
): Promise<SimCluster> {
  const token = randomBytes(24).toString('base64url');
  const created = new Date(Date.now() - 3 * 86_400_000).toISOString();
  const nodes = clusterNodes(scenario);
  const models = new Map(scenario.nodes.map((n) => [n.name, new NodeModel(scenario, n.name)]));
  const modelOf = (pod: V1Pod): NodeModel | undefined => models.get(pod.spec?.nodeName ?? '');

  // The responder's debug pods run on the node (sim-os.ts); each container by pod UID and name.
  const containers = new Map<string, DebugContainer>();
  const containerKey = (pod: V1Pod, container: string) => `${pod.metadata?.uid ?? ''}/${container}`;
  const clocks = new Map(
    [...models.values()].map((m) => [
      m.node.name,
      new SimClock(bootUptime(scenario.seed, m.node.name), options.clockScale ?? 1),
    ]),
  );
  const runtime: PodRuntime = {
    run(pod, container, signal) {
      const model = modelOf(pod);
      if (model === undefined || pod.metadata?.labels?.[INVESTIGATION_LABEL] === undefined) {
        // Anything else a created pod runs: it prints nothing and holds until deleted.
        return holdUntil(signal);
      }
      const debug = new DebugContainer(model, pod, container, {
        clock: clocks.get(model.node.name) as SimClock,
        faults: tracerFaults(scenario),
      });
      const key = containerKey(pod, container);
      containers.set(key, debug);
      signal?.addEventListener('abort', () => containers.delete(key), { once: true });
      return debug.run(signal);
    },
    exec(pod, container, command, streams) {
      const model = modelOf(pod);
      if (model === undefined)
        return Promise.resolve({
          stdout: '',
          stderr: `sim: no node model for ${pod.spec?.nodeName}\n`,
          exitCode: 1,
        });
      if (pod.metadata?.labels?.[INVESTIGATION_LABEL] !== undefined) {
        const debug = containers.get(containerKey(pod, container));
        if (debug === undefined || !debug.running) {
          return Promise.resolve({
            stdout: '',
            stderr:
              'error: Internal error occurred: error executing command in container: container is not running\n',
            exitCode: 1,
          });
        }
        return debug.exec(command, streams);
      }
      return Promise.resolve(
        model.execInPod(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', container, command),
      );
    },
  };

  const faults = scenario.faults ?? {};
  const kube = await startSimKubeApiServer({
    nodes: nodes.map((n) => v1Node(n, created, models.get(n.name)?.image ?? nodeImage(undefined))),
    pods: [...models.values()].flatMap((m) => m.pods().map(v1Pod)),
    namespaces: [SIM_DEBUG_NAMESPACE],
    runtime,
    token,
    tls: true,
    faults: {
      api: new FaultPlan(faults.kubeApi, scenario.seed, 'kube'),
      execRefused: faults.exec === 'refused',
      ...(faults.debugPod === undefined ? {} : { debugPod: faults.debugPod }),
      ...(faults.nodeRemoved === undefined
        ? {}
        : { nodeRemovedAfterSeconds: faults.nodeRemoved.afterSeconds }),
    },
    ...(options.kubePort === undefined ? {} : { port: options.kubePort }),
    ...(options.startDelayMs === undefined ? {} : { startDelayMs: options.startDelayMs }),
  });
  let arm: SimArmServer;
  let teams: SimTeamsChannel | undefined;
  try {
    teams = await startTeamsChannel(new FaultPlan(faults.teams, scenario.seed, 'teams'));
    const outbound = scenario.cluster.outbound;
    arm = await startSimArmServer(
      {
        subscriptionId: scenario.cluster.subscriptionId,
        resourceGroup: scenario.cluster.resourceGroup,
        name: scenario.cluster.name,
        location: scenario.cluster.location,
        aadEnabled: scenario.cluster.aadEnabled,
        outbound: {
          type: 'loadBalancer',
          managedOutboundIPs: outbound.managedOutboundIPs,
          allocatedOutboundPorts: outbound.allocatedOutboundPorts,
          idleTimeoutMinutes: outbound.idleTimeoutMinutes,
        },
        nodes: nodes.map((n) => ({ name: n.name, ip: n.ip })),
        snat: snatFigures(scenario, nodes),
        kubeconfig: kube.kubeconfig({ contextName: scenario.cluster.name, user: { token } }),
      },
      {
        token,
        faults: {
          arm: new FaultPlan(faults.arm, scenario.seed, 'arm'),
          metricsMissing: faults.metrics === 'missing',
        },
        ...(options.armPort === undefined ? {} : { port: options.armPort }),
      },
    );
  } catch (error) {
    await Promise.all([kube.close(), teams?.close()]);
    throw error;
  }
  return {
    scenario,
    kube,
    arm,
    teams,
    token,
    alertNodeIp: nodes[0]?.ip ?? '',
    nodeModel: (name) => models.get(name),
    async close() {
      await Promise.all([kube.close(), arm.close(), teams.close()]);
    },
  };
}
