import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { InputError } from '../../src/core/errors';
import {
  humanDuration,
  negotiateTable,
  nodeCells,
  nodeTable,
  parseIncludeObject,
  podCells,
  podTable,
} from '../../src/sim/kube-table';

const NOW = new Date('2025-06-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

describe('humanDuration, as kubectl prints AGE', () => {
  it.each([
    [-5, '<invalid>'],
    [-1, '0s'],
    [0, '0s'],
    [119, '119s'],
    [120, '2m'],
    [200, '3m20s'],
    [599, '9m59s'],
    [600, '10m'],
    [125 * 60, '125m'],
    [3 * 3600, '3h'],
    [3 * 3600 + 5 * 60, '3h5m'],
    [8 * 3600, '8h'],
    [47 * 3600, '47h'],
    [48 * 3600, '2d'],
    [3 * 86400 + 4 * 3600, '3d4h'],
    [8 * 86400, '8d'],
    [729 * 86400, '729d'],
    [2 * 365 * 86400, '2y'],
    [(2 * 365 + 10) * 86400, '2y10d'],
    [9 * 365 * 86400, '9y'],
  ])('%i s -> %s', (seconds, expected) => {
    expect(humanDuration(seconds * 1000)).toBe(expected);
  });
});

describe('negotiateTable', () => {
  it.each([
    [
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      'v1',
    ],
    ['application/json;as=Table;v=v1beta1;g=meta.k8s.io', 'v1beta1'],
    ['application/json, */*;q=0.8', undefined],
    [
      'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io',
      'v1',
    ],
    ['application/json,application/json;as=Table;v=v1;g=meta.k8s.io', undefined],
    [undefined, undefined],
  ])('%p -> %p', (accept, expected) => {
    expect(negotiateTable(accept)).toBe(expected);
  });

  it('reads includeObject, Metadata by default', () => {
    expect([parseIncludeObject(null), parseIncludeObject('Object'), parseIncludeObject('None')]).toEqual([
      'Metadata',
      'Object',
      'None',
    ]);
    expect(() => parseIncludeObject('All')).toThrow(InputError);
  });
});

function node(overrides: {
  labels?: Record<string, string>;
  ready?: string | null;
  unschedulable?: boolean;
}): V1Node {
  return {
    metadata: { name: 'aks-1', labels: overrides.labels ?? {}, creationTimestamp: ago(3 * 86400) },
    spec: { unschedulable: overrides.unschedulable ?? false },
    status: {
      conditions: overrides.ready === null ? [] : [{ type: 'Ready', status: overrides.ready ?? 'True' }],
      addresses: [{ type: 'InternalIP', address: '10.224.0.4' }],
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'containerd://1.7.23-1',
        kernelVersion: '',
        kubeProxyVersion: '',
        kubeletVersion: 'v1.30.6',
        machineID: '',
        operatingSystem: 'linux',
        osImage: 'Ubuntu 22.04.5 LTS',
        systemUUID: '',
      },
    },
  };
}

describe('node rows', () => {
  it.each([
    [{}, 'Ready', '<none>'],
    [{ ready: 'False' }, 'NotReady', '<none>'],
    [{ ready: null, unschedulable: true }, 'Unknown,SchedulingDisabled', '<none>'],
    [
      { labels: { 'node-role.kubernetes.io/agent': '', 'node-role.kubernetes.io/control-plane': '' } },
      'Ready',
      'agent,control-plane',
    ],
    [{ labels: { 'kubernetes.io/role': 'agent' } }, 'Ready', 'agent'],
  ])('%p: STATUS %s, ROLES %s', (overrides, status, roles) => {
    expect(nodeCells(node(overrides), NOW)).toEqual([
      'aks-1',
      status,
      roles,
      '3d',
      'v1.30.6',
      '10.224.0.4',
      '<none>',
      'Ubuntu 22.04.5 LTS',
      '<unknown>',
      'containerd://1.7.23-1',
    ]);
  });

  it('carries the columns of the real printer, wide ones at priority 1, and the object as asked', () => {
    const table = nodeTable([node({})], {
      version: 'v1',
      includeObject: 'Metadata',
      now: NOW,
      metadata: { resourceVersion: '9' },
    });
    expect(table.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Status', 0],
      ['Roles', 0],
      ['Age', 0],
      ['Version', 0],
      ['Internal-IP', 1],
      ['External-IP', 1],
      ['OS-Image', 1],
      ['Kernel-Version', 1],
      ['Container-Runtime', 1],
    ]);
    expect(table.rows[0]?.object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: node({}).metadata,
    });
    expect([table.kind, table.apiVersion, table.metadata]).toEqual([
      'Table',
      'meta.k8s.io/v1',
      { resourceVersion: '9' },
    ]);
  });
});

function pod(status: V1Pod['status'], extra: Partial<V1Pod> = {}): V1Pod {
  return {
    metadata: { name: 'web-1', namespace: 'shop', creationTimestamp: ago(45) },
    spec: {
      nodeName: 'aks-1',
      containers: [
        { name: 'app', image: 'i' },
        { name: 'side', image: 'i' },
      ],
    },
    status,
    ...extra,
  };
}

const running = (name: string, ready = true) => ({
  name,
  image: 'i',
  imageID: '',
  ready,
  restartCount: 0,
  state: { running: { startedAt: ago(40) } },
});

describe('pod rows (printPod)', () => {
  it.each([
    ['Pending without statuses', pod({ phase: 'Pending' }), ['0/2', 'Pending', '0', '<none>']],
    [
      'ContainerCreating while waiting',
      pod({
        phase: 'Pending',
        containerStatuses: [
          { ...running('app'), ready: false, state: { waiting: { reason: 'ContainerCreating' } } },
        ],
      }),
      ['0/2', 'ContainerCreating', '0', '<none>'],
    ],
    [
      'Running with one of two ready',
      pod({
        phase: 'Running',
        podIP: '10.244.0.7',
        podIPs: [{ ip: '10.244.0.7' }],
        containerStatuses: [running('app'), running('side', false)],
      }),
      ['1/2', 'Running', '0', '10.244.0.7'],
    ],
    [
      'Completed when the containers did',
      pod({
        phase: 'Succeeded',
        containerStatuses: [
          { ...running('app'), ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        ],
      }),
      ['0/2', 'Completed', '0', '<none>'],
    ],
    [
      'ExitCode when a terminated container has no reason',
      pod({
        phase: 'Failed',
        containerStatuses: [{ ...running('app'), ready: false, state: { terminated: { exitCode: 2 } } }],
      }),
      ['0/2', 'ExitCode:2', '0', '<none>'],
    ],
    [
      'the pod reason when no container says otherwise',
      pod({ phase: 'Failed', reason: 'DeadlineExceeded' }),
      ['0/2', 'DeadlineExceeded', '0', '<none>'],
    ],
    [
      'restarts with the time of the last one',
      pod({
        phase: 'Running',
        containerStatuses: [
          {
            ...running('app'),
            restartCount: 3,
            lastState: { terminated: { exitCode: 1, finishedAt: ago(30) } },
          },
        ],
      }),
      ['1/2', 'Running', '3 (30s ago)', '<none>'],
    ],
    [
      'Terminating once deleted',
      pod(
        { phase: 'Running', containerStatuses: [running('app')] },
        { metadata: { name: 'web-1', creationTimestamp: ago(45), deletionTimestamp: NOW } },
      ),
      ['1/2', 'Terminating', '0', '<none>'],
    ],
  ])('%s', (_what, object, [ready, status, restarts, ip]) => {
    expect(podCells(object, NOW)).toEqual([
      'web-1',
      ready,
      status,
      restarts,
      '45s',
      ip,
      'aks-1',
      '<none>',
      '<none>',
    ]);
  });

  it('marks finished pods with a Completed row condition', () => {
    const table = podTable(
      [pod({ phase: 'Succeeded' }), pod({ phase: 'Failed' }), pod({ phase: 'Running' })],
      {
        version: 'v1',
        includeObject: 'None',
        now: NOW,
        metadata: {},
      },
    );
    expect(table.rows.map((r) => [r.conditions?.[0]?.reason, 'object' in r])).toEqual([
      ['Succeeded', false],
      ['Failed', false],
      [undefined, false],
    ]);
  });
});
