import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { ContainerLog, tailLines } from '../../src/sim/container-log';
import { parsePodBody } from '../../src/sim/kube-pod-body';
import {
  allocatePodIp,
  choosePodNode,
  containerExitedStatus,
  deadlineExceededStatus,
  defaultNewPod,
  normalizeExistingPod,
  runningStatus,
  scheduledStatus,
} from '../../src/sim/kube-pod-status';
import { KubeApiError } from '../../src/sim/kube-status';

const T0 = new Date('2025-06-01T12:00:00Z');
const T1 = new Date('2025-06-01T12:00:05Z');

const node = (
  name: string,
  labels: Record<string, string>,
  podCIDR?: string,
  unschedulable = false,
): V1Node => ({
  metadata: { name, labels },
  spec: { unschedulable, ...(podCIDR === undefined ? {} : { podCIDR }) },
  status: { addresses: [{ type: 'InternalIP', address: `10.224.0.${name.length}` }] },
});

const created = (containers = ['main']): V1Pod =>
  defaultNewPod(
    {
      metadata: { name: 'job' },
      spec: { containers: containers.map((name) => ({ name, image: 'busybox:1.36' })) },
    },
    { namespace: 'jobs', uid: 'u-1', now: T0 },
  );

describe('choosePodNode', () => {
  const nodes = [
    node('b-pool', { pool: 'b' }),
    node('a-pool', { pool: 'a' }),
    node('c-off', { pool: 'a' }, undefined, true),
  ];
  it.each([
    ['its spec.nodeName, even of a node that does not exist', { nodeName: 'ghost' }, 'ghost'],
    ['the first schedulable node by name', {}, 'a-pool'],
    ['the first node with the nodeSelector labels', { nodeSelector: { pool: 'b' } }, 'b-pool'],
    ['none when no node has them', { nodeSelector: { pool: 'z' } }, undefined],
  ])('takes %s', (_what, spec, expected) => {
    expect(choosePodNode({ spec: { containers: [], ...spec } }, nodes)).toBe(expected);
  });
});

describe('allocatePodIp', () => {
  it.each([
    ["from the node's podCIDR, after the network and bridge addresses", '10.244.3.0/24', [], '10.244.3.2'],
    ['skipping addresses in use', '10.244.3.0/24', ['10.244.3.2', '10.244.3.3'], '10.244.3.4'],
    ['from 10.244.128.0/17 without a podCIDR', undefined, [], '10.244.128.2'],
    ['from 10.244.128.0/17 with an IPv6 podCIDR', 'fd00::/64', ['10.244.128.2'], '10.244.128.3'],
  ])('takes an address %s', (_what, podCIDR, used, expected) => {
    expect(allocatePodIp(node('n', {}, podCIDR), new Set(used))).toBe(expected);
  });

  it('fails when the range is full', () => {
    expect(() => allocatePodIp(node('n', {}, '10.0.0.0/30'), new Set(['10.0.0.2']))).toThrow(
      'no free pod address in 10.0.0.0/30',
    );
  });
});

describe('the pod lifecycle as statuses', () => {
  it('stores a new pod with the API defaults, Pending', () => {
    const pod = created();
    expect(pod.metadata).toEqual({
      name: 'job',
      namespace: 'jobs',
      uid: 'u-1',
      creationTimestamp: T0,
      generation: 1,
    });
    expect([pod.spec?.restartPolicy, pod.spec?.containers[0]?.imagePullPolicy, pod.status]).toEqual([
      'Always',
      'IfNotPresent',
      { phase: 'Pending', qosClass: 'BestEffort' },
    ]);
  });

  it('goes ContainerCreating, Running, then Succeeded when every container exits 0', () => {
    let pod = created(['a', 'b']);
    pod = { ...pod, status: scheduledStatus(pod, node('aks', {}), T0) };
    expect([pod.status?.phase, pod.status?.hostIP, pod.status?.podIP]).toEqual([
      'Pending',
      '10.224.0.3',
      undefined,
    ]);
    expect(pod.status?.containerStatuses?.map((s) => s.state?.waiting?.reason)).toEqual([
      'ContainerCreating',
      'ContainerCreating',
    ]);
    pod = { ...pod, status: runningStatus(pod, '10.244.0.9', T0) };
    expect([pod.status?.phase, pod.status?.podIP, pod.status?.podIPs]).toEqual([
      'Running',
      '10.244.0.9',
      [{ ip: '10.244.0.9' }],
    ]);
    expect(pod.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual([
      'PodReadyToStartContainers=True',
      'Initialized=True',
      'Ready=True',
      'ContainersReady=True',
      'PodScheduled=True',
    ]);
    pod = { ...pod, status: containerExitedStatus(pod, 'a', 0, T1) };
    expect(pod.status?.phase).toBe('Running');
    pod = { ...pod, status: containerExitedStatus(pod, 'b', 0, T1) };
    expect(pod.status?.phase).toBe('Succeeded');
    const terminated = pod.status?.containerStatuses?.map((s) => s.state?.terminated);
    expect(terminated?.map((t) => [t?.exitCode, t?.reason, t?.startedAt, t?.finishedAt])).toEqual([
      [0, 'Completed', T0, T1],
      [0, 'Completed', T0, T1],
    ]);
    for (const t of terminated ?? []) expect(t?.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
  });

  it('is Failed when a container exits non-zero', () => {
    let pod = created();
    pod = {
      ...pod,
      status: runningStatus({ ...pod, status: scheduledStatus(pod, node('n', {}), T0) }, '10.244.0.9', T0),
    };
    pod = { ...pod, status: containerExitedStatus(pod, 'main', 1, T1) };
    expect([pod.status?.phase, pod.status?.containerStatuses?.[0]?.state?.terminated?.reason]).toEqual([
      'Failed',
      'Error',
    ]);
  });

  it('fails a running pod at its deadline, killing what runs with 137', () => {
    let pod = created();
    pod = {
      ...pod,
      status: runningStatus({ ...pod, status: scheduledStatus(pod, node('n', {}), T0) }, '10.244.0.9', T0),
    };
    const status = deadlineExceededStatus(pod, T1);
    expect([status.phase, status.reason, status.message]).toEqual([
      'Failed',
      'DeadlineExceeded',
      'Pod was active on the node longer than the specified deadline',
    ]);
    expect(status.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(137);
  });

  it('keeps what the caller said of a pre-existing pod and fills in the rest as Running', () => {
    const pod = normalizeExistingPod(
      {
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'app', image: 'i' }], nodeName: 'n' },
        status: { podIP: '10.244.0.7' },
      },
      { uid: 'u-2', now: T0 },
    );
    expect([pod.metadata?.namespace, pod.metadata?.uid, pod.status?.phase, pod.status?.podIPs]).toEqual([
      'default',
      'u-2',
      'Running',
      [{ ip: '10.244.0.7' }],
    ]);
    expect(pod.status?.containerStatuses?.map((s) => [s.name, s.ready])).toEqual([['app', true]]);
  });
});

describe('parsePodBody', () => {
  const body = (pod: unknown) => JSON.stringify(pod);
  const containers = [{ name: 'main', image: 'busybox' }];

  it('takes the namespace of the request and names a generateName pod', () => {
    const pod = parsePodBody(
      body({ metadata: { generateName: 'dbg-' }, spec: { containers } }),
      'jobs',
      () => 'x7k2p',
    );
    expect(pod.metadata).toEqual({ generateName: 'dbg-', name: 'dbg-x7k2p', namespace: 'jobs' });
  });

  it.each([
    ['not JSON', '{', 400, 'BadRequest'],
    ['another kind', body({ kind: 'Service', metadata: { name: 'x' } }), 400, 'BadRequest'],
    [
      'another namespace',
      body({ metadata: { name: 'x', namespace: 'other' }, spec: { containers } }),
      400,
      'BadRequest',
    ],
    ['no name', body({ spec: { containers } }), 422, 'Invalid'],
    [
      'a name that is not DNS-1123',
      body({ metadata: { name: 'Bad_Name' }, spec: { containers } }),
      422,
      'Invalid',
    ],
    ['no image', body({ metadata: { name: 'x' }, spec: { containers: [{ name: 'c' }] } }), 422, 'Invalid'],
  ])('refuses %s', (_what, text, code, reason) => {
    let error: unknown;
    try {
      parsePodBody(text, 'jobs');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KubeApiError);
    expect([(error as KubeApiError).code, (error as KubeApiError).reason]).toEqual([code, reason]);
  });

  it('lists every invalid field in the message', () => {
    expect(() => parsePodBody(body({ metadata: { name: 'x' }, spec: { containers: [{}] } }), 'jobs')).toThrow(
      'Pod "x" is invalid: spec.containers[0].name: Required value, spec.containers[0].image: Required value',
    );
  });
});

describe('ContainerLog', () => {
  it('gives followers what comes after they subscribe, then the end', () => {
    const log = new ContainerLog();
    log.append('a\n');
    const seen: string[] = [];
    log.follow({ onChunk: (c) => seen.push(c), onEnd: () => seen.push('<end>') });
    log.append('b\n');
    log.end();
    log.append('late\n');
    expect([log.text, seen]).toEqual(['a\nb\n', ['b\n', '<end>']]);
  });

  it('ends a follower of an ended log at once', () => {
    const log = new ContainerLog();
    log.end();
    const seen: string[] = [];
    log.follow({ onChunk: (c) => seen.push(c), onEnd: () => seen.push('<end>') });
    expect(seen).toEqual(['<end>']);
  });

  it.each([
    ['a\nb\nc\n', 2, 'b\nc\n'],
    ['a\nb\nc', 2, 'b\nc'],
    ['a\nb\n', 5, 'a\nb\n'],
    ['a\nb\n', 0, ''],
    ['', 3, ''],
    ['a\n', undefined, 'a\n'],
  ])('tailLines(%p, %p) -> %p', (text, lines, expected) => {
    expect(tailLines(text, lines)).toBe(expected);
  });
});
