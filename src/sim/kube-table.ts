import type { V1Namespace, V1Node, V1Pod } from '@kubernetes/client-node';
import { InputError } from '../core/errors';
import type { KubeObject } from './kube-store';

/**
 * Server-side printing: the meta.k8s.io Table `kubectl get` asks for, with the columns and cell text of
 * the real API server's printers (k8s.io/kubernetes pkg/printers/internalversion). Columns of priority 1
 * are the ones `-o wide` adds; the server always sends them.
 */

export type TableVersion = 'v1' | 'v1beta1';
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableColumnDefinition {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

export interface TableRowCondition {
  readonly type: 'Completed';
  readonly status: 'True';
  readonly reason: string;
  readonly message: string;
}

export interface TableRow {
  readonly cells: readonly (string | number)[];
  readonly conditions?: readonly TableRowCondition[];
  readonly object?: unknown;
}

export interface Table {
  readonly kind: 'Table';
  readonly apiVersion: `meta.k8s.io/${TableVersion}`;
  readonly metadata: {
    readonly resourceVersion?: string;
    readonly continue?: string;
    readonly remainingItemCount?: number;
  };
  readonly columnDefinitions: readonly TableColumnDefinition[];
  readonly rows: readonly TableRow[];
}

export interface TableOptions {
  readonly version: TableVersion;
  readonly includeObject: IncludeObject;
  readonly now: Date;
  readonly metadata: Table['metadata'];
}

/**
 * The Table version the Accept header asks for, if any: the first media type the server can answer
 * decides, as in apiserver's negotiation (`application/json;as=Table;v=v1;g=meta.k8s.io, application/json`).
 */
export function negotiateTable(accept: string | undefined): TableVersion | undefined {
  for (const mediaType of (accept ?? '').split(',')) {
    const [type = '', ...paramList] = mediaType.split(';').map((p) => p.trim());
    const params = new Map(
      paramList.map((p) => {
        const [k = '', v = ''] = p.split('=');
        return [k.trim(), v.trim()];
      }),
    );
    const as = params.get('as');
    if (as === undefined) {
      if (type === 'application/json' || type === '*/*' || type === 'application/*') return undefined;
      continue;
    }
    const version = params.get('v');
    if (as === 'Table' && params.get('g') === 'meta.k8s.io' && (version === 'v1' || version === 'v1beta1')) {
      return version;
    }
  }
  return undefined;
}

export function parseIncludeObject(text: string | null): IncludeObject {
  if (text === null || text === '') return 'Metadata';
  if (text === 'None' || text === 'Metadata' || text === 'Object') return text;
  throw new InputError(`includeObject must be one of None, Metadata, Object, not "${text}"`);
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration: `45s`, `3m20s`, `2h5m`, `3d4h`, `2y10d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

function age(created: Date | undefined, now: Date): string {
  return created === undefined ? '<unknown>' : humanDuration(now.getTime() - new Date(created).getTime());
}

function column(name: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type: 'string', format, description, priority };
}

const NAME = column('Name', 'Name must be unique within a namespace.', 0, 'name');
const AGE = column(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

const NODE_COLUMNS = [
  NAME,
  column('Status', 'The status of the node'),
  column('Roles', 'The roles of the node'),
  AGE,
  column('Version', 'Kubelet Version reported by the node.'),
  column('Internal-IP', 'List of addresses reachable to the node.', 1),
  column('External-IP', 'List of addresses reachable to the node.', 1),
  column(
    'OS-Image',
    'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
    1,
  ),
  column(
    'Kernel-Version',
    "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
    1,
  ),
  column(
    'Container-Runtime',
    'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
    1,
  ),
];

const POD_COLUMNS = [
  NAME,
  column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'The aggregate status of the containers in this pod.'),
  column(
    'Restarts',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
  ),
  AGE,
  column(
    'IP',
    'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
    1,
  ),
  column('Node', 'NodeName indicates in which node this pod is scheduled.', 1),
  column('Nominated Node', 'nominatedNodeName is set when this pod preempts other pods on the node.', 1),
  column('Readiness Gates', 'Readiness gates for the pod', 1),
];

const NAMESPACE_COLUMNS = [NAME, column('Status', 'The status of the namespace'), AGE];

function nodeRoles(node: V1Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith('node-role.kubernetes.io/') && key.length > 'node-role.kubernetes.io/'.length) {
      roles.add(key.slice('node-role.kubernetes.io/'.length));
    } else if (key === 'kubernetes.io/role' && value !== '') roles.add(value);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

export function nodeCells(node: V1Node, now: Date): (string | number)[] {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const status = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec?.unschedulable === true) status.push('SchedulingDisabled');
  const address = (type: string) => node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
  const info = node.status?.nodeInfo;
  const known = (text: string | undefined) => (text === undefined || text === '' ? '<unknown>' : text);
  return [
    node.metadata?.name ?? '',
    status.join(','),
    nodeRoles(node),
    age(node.metadata?.creationTimestamp, now),
    info?.kubeletVersion ?? '',
    address('InternalIP'),
    address('ExternalIP'),
    known(info?.osImage),
    known(info?.kernelVersion),
    known(info?.containerRuntimeVersion),
  ];
}

/** printPod: READY counts ready running containers; STATUS is the phase, overridden by the pod's reason and the containers' waiting/terminated reasons. */
export function podCells(pod: V1Pod, now: Date): (string | number)[] {
  const status = pod.status ?? {};
  let reason = status.reason !== undefined && status.reason !== '' ? status.reason : (status.phase ?? '');
  let restarts = 0;
  let ready = 0;
  let hasRunning = false;
  let lastRestart: number | undefined;
  const containers = status.containerStatuses ?? [];
  for (let i = containers.length - 1; i >= 0; i--) {
    const c = containers[i];
    if (c === undefined) continue;
    restarts += c.restartCount;
    const lastFinished = c.lastState?.terminated?.finishedAt;
    if (lastFinished !== undefined)
      lastRestart = Math.max(lastRestart ?? 0, new Date(lastFinished).getTime());
    const waiting = c.state?.waiting;
    const terminated = c.state?.terminated;
    if (waiting?.reason !== undefined && waiting.reason !== '') reason = waiting.reason;
    else if (terminated?.reason !== undefined && terminated.reason !== '') reason = terminated.reason;
    else if (terminated !== undefined) {
      reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
    } else if (c.ready && c.state?.running !== undefined) {
      hasRunning = true;
      ready++;
    }
  }
  if (reason === 'Completed' && hasRunning) {
    reason = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
      ? 'Running'
      : 'NotReady';
  }
  if (
    pod.metadata?.deletionTimestamp !== undefined &&
    status.phase !== 'Succeeded' &&
    status.phase !== 'Failed'
  ) {
    reason = 'Terminating';
  }
  const restartText =
    restarts !== 0 && lastRestart !== undefined
      ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`
      : String(restarts);
  const gates = pod.spec?.readinessGates ?? [];
  const gateText =
    gates.length === 0
      ? '<none>'
      : `${gates.filter((g) => status.conditions?.some((c) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}`;
  const orNone = (text: string | undefined) => (text === undefined || text === '' ? '<none>' : text);
  return [
    pod.metadata?.name ?? '',
    `${ready}/${pod.spec?.containers.length ?? 0}`,
    reason,
    restartText,
    age(pod.metadata?.creationTimestamp, now),
    orNone(status.podIPs?.[0]?.ip ?? status.podIP),
    orNone(pod.spec?.nodeName),
    orNone(status.nominatedNodeName),
    gateText,
  ];
}

export function namespaceCells(ns: V1Namespace, now: Date): (string | number)[] {
  return [ns.metadata?.name ?? '', ns.status?.phase ?? '', age(ns.metadata?.creationTimestamp, now)];
}

function podConditions(pod: V1Pod): TableRowCondition[] | undefined {
  if (pod.status?.phase === 'Succeeded') {
    return [
      {
        type: 'Completed',
        status: 'True',
        reason: 'Succeeded',
        message: 'The pod has completed successfully.',
      },
    ];
  }
  if (pod.status?.phase === 'Failed') {
    return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
  }
  return undefined;
}

function rowObject(object: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

function table<T extends KubeObject>(
  columns: readonly TableColumnDefinition[],
  objects: readonly T[],
  cells: (object: T, now: Date) => (string | number)[],
  options: TableOptions,
  conditions: (object: T) => TableRowCondition[] | undefined = () => undefined,
): Table {
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.version}`,
    metadata: options.metadata,
    columnDefinitions: columns,
    rows: objects.map((object) => {
      const rowConditions = conditions(object);
      const included = rowObject(object, options.includeObject);
      return {
        cells: cells(object, options.now),
        ...(rowConditions === undefined ? {} : { conditions: rowConditions }),
        ...(included === undefined ? {} : { object: included }),
      };
    }),
  };
}

export function nodeTable(nodes: readonly V1Node[], options: TableOptions): Table {
  return table(NODE_COLUMNS, nodes, nodeCells, options);
}

export function podTable(pods: readonly V1Pod[], options: TableOptions): Table {
  return table(POD_COLUMNS, pods, podCells, options, podConditions);
}

export function namespaceTable(namespaces: readonly V1Namespace[], options: TableOptions): Table {
  return table(NAMESPACE_COLUMNS, namespaces, namespaceCells, options);
}
