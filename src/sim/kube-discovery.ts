import { NAMESPACE_RESOURCE, NODE_RESOURCE, POD_RESOURCE, type ResourceDescriptor } from './kube-resources';
import type { KubeObject } from './kube-store';

/**
 * The discovery documents kubectl reads before anything else. Plain `application/json` answers to /api
 * and /apis make kubectl fall back from aggregated discovery to the legacy documents, which is all the
 * core group needs.
 */

export const SIM_KUBERNETES_VERSION = { major: '1', minor: '30', gitVersion: 'v1.30.6' } as const;

export function versionInfo(): Record<string, string> {
  return {
    ...SIM_KUBERNETES_VERSION,
    gitCommit: '00f20d443ba0cd91a9f5a6e5a6a6f0f0d7c2a4b1',
    gitTreeState: 'clean',
    buildDate: '2024-10-22T20:26:59Z',
    goVersion: 'go1.22.8',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(): unknown {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
}

function resource<T extends KubeObject>(
  descriptor: ResourceDescriptor<T>,
  categories: readonly string[] = [],
): unknown {
  return {
    name: descriptor.name,
    singularName: descriptor.singularName,
    namespaced: descriptor.namespaced,
    kind: descriptor.kind,
    verbs: descriptor.verbs,
    shortNames: descriptor.shortNames,
    ...(categories.length === 0 ? {} : { categories }),
  };
}

export function coreV1Resources(): unknown {
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      resource(NAMESPACE_RESOURCE),
      resource(NODE_RESOURCE),
      resource(POD_RESOURCE, ['all']),
      {
        name: 'pods/exec',
        singularName: '',
        namespaced: true,
        kind: 'PodExecOptions',
        verbs: ['create', 'get'],
      },
      { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    ],
  };
}
