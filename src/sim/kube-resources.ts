import type { V1Namespace, V1Node, V1Pod } from '@kubernetes/client-node';
import type { ResourceName } from './kube-status';

/**
 * The three resources the simulator serves, described once: discovery, listing, selectors and error
 * messages all read from here.
 */
export interface ResourceDescriptor<T> {
  readonly name: ResourceName;
  readonly singularName: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly verbs: readonly string[];
  /** Listing order and the continue token's key: `namespace/name` for namespaced resources. */
  key(object: T): string;
  /** The fields a fieldSelector may name, as the real server's field label conversion lists them. */
  readonly selectableFields: readonly string[];
  fields(object: T): Record<string, string>;
}

export function objectKey(namespace: string | undefined, name: string | undefined): string {
  return namespace === undefined ? (name ?? '') : `${namespace}/${name ?? ''}`;
}

export const POD_RESOURCE: ResourceDescriptor<V1Pod> = {
  name: 'pods',
  singularName: 'pod',
  kind: 'Pod',
  namespaced: true,
  shortNames: ['po'],
  verbs: ['create', 'delete', 'get', 'list', 'watch'],
  key: (pod) => objectKey(pod.metadata?.namespace ?? '', pod.metadata?.name),
  selectableFields: [
    'metadata.name',
    'metadata.namespace',
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  fields: (pod) => ({
    'metadata.name': pod.metadata?.name ?? '',
    'metadata.namespace': pod.metadata?.namespace ?? '',
    'spec.nodeName': pod.spec?.nodeName ?? '',
    'spec.restartPolicy': pod.spec?.restartPolicy ?? '',
    'spec.schedulerName': pod.spec?.schedulerName ?? '',
    'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': String(pod.spec?.hostNetwork === true),
    'status.phase': pod.status?.phase ?? '',
    'status.podIP': pod.status?.podIP ?? '',
    'status.nominatedNodeName': pod.status?.nominatedNodeName ?? '',
  }),
};

export const NODE_RESOURCE: ResourceDescriptor<V1Node> = {
  name: 'nodes',
  singularName: 'node',
  kind: 'Node',
  namespaced: false,
  shortNames: ['no'],
  verbs: ['get', 'list', 'watch'],
  key: (node) => node.metadata?.name ?? '',
  selectableFields: ['metadata.name', 'spec.unschedulable'],
  fields: (node) => ({
    'metadata.name': node.metadata?.name ?? '',
    'spec.unschedulable': String(node.spec?.unschedulable === true),
  }),
};

export const NAMESPACE_RESOURCE: ResourceDescriptor<V1Namespace> = {
  name: 'namespaces',
  singularName: 'namespace',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['get', 'list', 'watch'],
  key: (ns) => ns.metadata?.name ?? '',
  selectableFields: ['metadata.name', 'status.phase'],
  fields: (ns) => ({ 'metadata.name': ns.metadata?.name ?? '', 'status.phase': ns.status?.phase ?? '' }),
};
