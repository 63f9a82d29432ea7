import { createHash } from 'node:crypto';
import type { V1ContainerStatus, V1Node, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

/**
 * The pod lifecycle as the scheduler and the kubelet would report it, as pure functions from a pod and
 * the time to its next status. The timers and the container runtime that drive them live in
 * kube-pod-lifecycle.ts.
 */

export function nodeInternalIp(node: V1Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

function containerNames(pod: V1Pod): string[] {
  return (pod.spec?.containers ?? []).map((c) => c.name);
}

function containerId(pod: V1Pod, container: string): string {
  const seed = `${pod.metadata?.uid ?? ''}/${container}`;
  return `containerd://${createHash('sha256').update(seed).digest('hex')}`;
}

function imageId(image: string): string {
  return `${image.split(':')[0] ?? image}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

function imageOf(pod: V1Pod, container: string): string {
  return pod.spec?.containers.find((c) => c.name === container)?.image ?? '';
}

function condition(type: string, ok: boolean, now: Date, reason?: string, message?: string): V1PodCondition {
  return {
    type,
    status: ok ? 'True' : 'False',
    lastTransitionTime: now,
    ...(reason === undefined ? {} : { reason }),
    ...(message === undefined ? {} : { message }),
  };
}

function qosClass(pod: V1Pod): string {
  const resources = (pod.spec?.containers ?? []).map((c) => c.resources ?? {});
  const any = resources.some(
    (r) => Object.keys(r.requests ?? {}).length + Object.keys(r.limits ?? {}).length > 0,
  );
  return any ? 'Burstable' : 'BestEffort';
}

/**
 * A POSTed pod as the API server stores it: namespace, uid, timestamps and the defaults kubectl shows
 * in `-o yaml`; status is the server's, whatever the body said.
 */
export function defaultNewPod(body: V1Pod, stamp: { namespace: string; uid: string; now: Date }): V1Pod {
  const spec = body.spec ?? { containers: [] };
  return {
    ...body,
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...body.metadata,
      namespace: stamp.namespace,
      uid: stamp.uid,
      creationTimestamp: stamp.now,
      generation: 1,
    },
    spec: {
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      ...spec,
      containers: spec.containers.map((c) => ({
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy:
          c.image?.endsWith(':latest') === true || !c.image?.includes(':') ? 'Always' : 'IfNotPresent',
        ...c,
      })),
    },
    status: { phase: 'Pending', qosClass: qosClass(body) },
  };
}

function runningContainer(pod: V1Pod, name: string, startedAt: Date): V1ContainerStatus {
  const image = imageOf(pod, name);
  return {
    name,
    image,
    imageID: imageId(image),
    containerID: containerId(pod, name),
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt } },
    lastState: {},
  };
}

/**
 * A pod the caller says is already there: defaults where the caller left fields out, and Running with
 * every container ready unless the caller gave a status of its own.
 */
export function normalizeExistingPod(pod: V1Pod, stamp: { uid: string; now: Date }): V1Pod {
  const status = pod.status ?? {};
  const podIP = status.podIP ?? status.podIPs?.[0]?.ip;
  const startTime = status.startTime ?? pod.metadata?.creationTimestamp ?? stamp.now;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    ...pod,
    metadata: {
      ...pod.metadata,
      namespace: pod.metadata?.namespace ?? 'default',
      uid: pod.metadata?.uid ?? stamp.uid,
      creationTimestamp: pod.metadata?.creationTimestamp ?? stamp.now,
    },
    spec: pod.spec ?? { containers: [] },
    status: {
      phase: 'Running',
      startTime,
      qosClass: qosClass(pod),
      conditions: [
        'PodReadyToStartContainers',
        'Initialized',
        'Ready',
        'ContainersReady',
        'PodScheduled',
      ].map((type) => condition(type, true, startTime)),
      containerStatuses: containerNames(pod).map((name) => runningContainer(pod, name, startTime)),
      ...status,
      ...(podIP === undefined ? {} : { podIP, podIPs: status.podIPs ?? [{ ip: podIP }] }),
    },
  };
}

/**
 * The node a new pod lands on: its spec.nodeName when set (even if no such node exists: then, as in a
 * real cluster, no kubelet ever starts it), else the first node by name whose labels carry the pod's
 * nodeSelector. Undefined when no node fits.
 */
export function choosePodNode(pod: V1Pod, nodes: readonly V1Node[]): string | undefined {
  if (pod.spec?.nodeName !== undefined && pod.spec.nodeName !== '') return pod.spec.nodeName;
  const selector = Object.entries(pod.spec?.nodeSelector ?? {});
  return nodes
    .filter((n) => n.spec?.unschedulable !== true)
    .filter((n) => selector.every(([k, v]) => n.metadata?.labels?.[k] === v))
    .map((n) => n.metadata?.name ?? '')
    .sort()[0];
}

/** No node fits: PodScheduled False, the scheduler's message. */
export function unschedulableStatus(pod: V1Pod, nodeCount: number, now: Date): V1PodStatus {
  const message = `0/${nodeCount} nodes are available: ${nodeCount} node(s) didn't match Pod's node affinity/selector.`;
  return {
    phase: 'Pending',
    qosClass: pod.status?.qosClass ?? qosClass(pod),
    conditions: [condition('PodScheduled', false, now, 'Unschedulable', message)],
  };
}

/** Bound to a node whose kubelet took it: containers are being created. */
export function scheduledStatus(pod: V1Pod, node: V1Node, now: Date): V1PodStatus {
  const hostIP = nodeInternalIp(node);
  const names = containerNames(pod);
  const unready = `containers with unready status: [${names.join(' ')}]`;
  return {
    phase: 'Pending',
    qosClass: pod.status?.qosClass ?? qosClass(pod),
    ...(hostIP === undefined ? {} : { hostIP, hostIPs: [{ ip: hostIP }] }),
    startTime: now,
    conditions: [
      condition('PodReadyToStartContainers', false, now),
      condition('Initialized', true, now),
      condition('Ready', false, now, 'ContainersNotReady', unready),
      condition('ContainersReady', false, now, 'ContainersNotReady', unready),
      condition('PodScheduled', true, now),
    ],
    containerStatuses: names.map((name) => {
      const image = imageOf(pod, name);
      return {
        name,
        image,
        imageID: '',
        ready: false,
        started: false,
        restartCount: 0,
        state: { waiting: { reason: 'ContainerCreating' } },
        lastState: {},
      };
    }),
  };
}

/** Every container started: Running, ready, with the pod's IP. */
export function runningStatus(pod: V1Pod, podIP: string, now: Date): V1PodStatus {
  const status = pod.status ?? {};
  return {
    ...status,
    phase: 'Running',
    podIP,
    podIPs: [{ ip: podIP }],
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(
      (type) =>
        status.conditions?.find((c) => c.type === type && c.status === 'True') ?? condition(type, true, now),
    ),
    containerStatuses: containerNames(pod).map((name) => runningContainer(pod, name, now)),
  };
}

/** One container exited. When it was the last one running the pod is Succeeded, or Failed if any failed. */
export function containerExitedStatus(
  pod: V1Pod,
  container: string,
  exitCode: number,
  now: Date,
  /** The runtime's message when the command could not be started at all (reason StartError). */
  startError?: string,
): V1PodStatus {
  const status = pod.status ?? {};
  const statuses = (status.containerStatuses ?? []).map((s): V1ContainerStatus => {
    if (s.name !== container || s.state?.terminated !== undefined) return s;
    return {
      ...s,
      ready: false,
      started: false,
      state: {
        terminated: {
          exitCode,
          reason: startError !== undefined ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error',
          ...(startError === undefined ? {} : { message: startError }),
          startedAt: s.state?.running?.startedAt ?? now,
          finishedAt: now,
          containerID: s.containerID,
        },
      },
    };
  });
  const exited = statuses.filter((s) => s.state?.terminated !== undefined);
  const names = statuses.filter((s) => s.state?.terminated !== undefined).map((s) => s.name);
  const unready = condition('Ready', false, now, 'PodCompleted');
  const conditions = (status.conditions ?? []).map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady'
      ? { ...unready, type: c.type, message: `containers with unready status: [${names.join(' ')}]` }
      : c,
  );
  if (exited.length < statuses.length) return { ...status, conditions, containerStatuses: statuses };
  const failed = exited.some((s) => s.state?.terminated?.exitCode !== 0);
  return {
    ...status,
    phase: failed ? 'Failed' : 'Succeeded',
    conditions: conditions.map((c) =>
      c.type === 'Ready' || c.type === 'ContainersReady'
        ? { ...c, reason: 'PodCompleted', message: undefined }
        : c,
    ),
    containerStatuses: statuses,
  };
}

/** activeDeadlineSeconds passed: the kubelet kills what still runs and fails the pod. */
export function deadlineExceededStatus(pod: V1Pod, now: Date): V1PodStatus {
  const status = pod.status ?? {};
  return {
    ...status,
    phase: 'Failed',
    reason: 'DeadlineExceeded',
    message: 'Pod was active on the node longer than the specified deadline',
    conditions: (status.conditions ?? []).map((c) =>
      c.type === 'Ready' || c.type === 'ContainersReady' ? condition(c.type, false, now, 'PodFailed') : c,
    ),
    containerStatuses: (status.containerStatuses ?? []).map((s): V1ContainerStatus => {
      if (s.state?.terminated !== undefined) return s;
      return {
        ...s,
        ready: false,
        started: false,
        state: {
          terminated: {
            exitCode: 137,
            reason: 'Error',
            startedAt: s.state?.running?.startedAt ?? now,
            finishedAt: now,
            ...(s.containerID === undefined ? {} : { containerID: s.containerID }),
          },
        },
      };
    }),
  };
}

export function isTerminal(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/**
 * An address for a new pod that is not on the host network: from the node's spec.podCIDR when it has
 * an IPv4 one (as kubenet/Azure CNI overlay allocate), else from 10.244.128.0/17; never one in `used`.
 */
export function allocatePodIp(node: V1Node | undefined, used: ReadonlySet<string>): string {
  const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(node?.spec?.podCIDR ?? '');
  const base = cidr === null ? undefined : ipv4ToNumber(cidr[1] ?? '');
  const bits = cidr === null ? 0 : Number(cidr[2]);
  const [first, size] =
    base !== undefined && bits >= 8 && bits <= 30
      ? [base, 2 ** (32 - bits)]
      : [ipv4ToNumber('10.244.128.0') ?? 0, 2 ** 15];
  // .0 is the network and .1 the bridge, as on a node's pod range.
  for (let offset = 2; offset < size - 1; offset++) {
    const ip = numberToIpv4(first + offset);
    if (!used.has(ip)) return ip;
  }
  throw new Error(`no free pod address in ${numberToIpv4(first)}/${32 - Math.log2(size)}`);
}
