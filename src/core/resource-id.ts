import { InputError } from './errors';

/** A resource in a resource group: /subscriptions/S/resourceGroups/RG/providers/NAMESPACE/TYPE/NAME. */
export interface ResourceRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

const SUBSCRIPTION = /^[0-9A-Za-z][-0-9A-Za-z]{0,63}$/;
/** Azure's resource group rule: letters, digits, underscores, hyphens, periods and parentheses, not ending in a period. */
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const RESOURCE_NAME = /^[0-9A-Za-z][-\w.]{0,79}$/;

/**
 * Parses a resource ID of the given provider type (`Microsoft.ContainerService/managedClusters`).
 * Segment names are matched without regard to case, as ARM does (AKS writes `resourcegroups`).
 */
export function parseResourceId(id: string, type: string): ResourceRef {
  const [namespace = '', resourceType = ''] = type.split('/');
  const segments = id.trim().split('/');
  const [
    empty,
    subscriptions,
    subscriptionId = '',
    resourceGroups,
    resourceGroup = '',
    providers,
    ns,
    rt,
    name = '',
  ] = segments;
  const ok =
    segments.length === 9 &&
    empty === '' &&
    subscriptions?.toLowerCase() === 'subscriptions' &&
    resourceGroups?.toLowerCase() === 'resourcegroups' &&
    providers?.toLowerCase() === 'providers' &&
    ns?.toLowerCase() === namespace.toLowerCase() &&
    rt?.toLowerCase() === resourceType.toLowerCase() &&
    SUBSCRIPTION.test(subscriptionId) &&
    RESOURCE_GROUP.test(resourceGroup) &&
    RESOURCE_NAME.test(name);
  if (!ok) {
    throw new InputError(
      `not a ${type} resource ID: '${id}' (expected /subscriptions/<id>/resourceGroups/<group>/providers/${type}/<name>)`,
    );
  }
  return { subscriptionId, resourceGroup, name };
}

export const MANAGED_CLUSTER_TYPE = 'Microsoft.ContainerService/managedClusters';
export const LOAD_BALANCER_TYPE = 'Microsoft.Network/loadBalancers';
