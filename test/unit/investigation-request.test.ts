import { parseInvestigationInput } from '../../src/core/investigation-request';

const CLUSTER =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-demo/providers/Microsoft.ContainerService/managedClusters/aks-demo';

describe('parseInvestigationInput', () => {
  it('fills the defaults', () => {
    expect(parseInvestigationInput({ clusterResourceId: CLUSTER, nodeIp: '10.224.0.4' })).toEqual({
      clusterResourceId: CLUSTER,
      nodeIp: '10.224.0.4',
      traceSeconds: 30,
      force: false,
    });
  });

  it.each([
    [
      { clusterResourceId: 'aks-demo', nodeIp: '10.224.0.4' },
      'clusterResourceId: not an AKS managed cluster resource ID',
    ],
    [{ clusterResourceId: CLUSTER, nodeIp: '10.224.0.400' }, 'nodeIp: not an IP address'],
    [{ clusterResourceId: CLUSTER, nodeName: 'Node_1' }, 'nodeName: not a node name (DNS-1123)'],
    [{ clusterResourceId: CLUSTER }, 'nodeIp: give exactly one of nodeIp and nodeName'],
    [
      { clusterResourceId: CLUSTER, nodeIp: '10.224.0.4', nodeName: 'n' },
      'nodeIp: give exactly one of nodeIp and nodeName',
    ],
    [
      { clusterResourceId: CLUSTER, nodeIp: '10.224.0.4', traceSeconds: 2.5 },
      'traceSeconds: must be a whole number',
    ],
    [{ clusterResourceId: CLUSTER, nodeIp: '10.224.0.4; rm -rf /' }, 'nodeIp: not an IP address'],
    [{ clusterResourceId: CLUSTER, nodeIp: '10.224.0.4', shell: 'x' }, 'request: Unrecognized key: "shell"'],
    [{ clusterResourceId: CLUSTER, nodeIp: 'fe80::1%;rm -rf /' }, 'nodeIp: not an IP address'],
    [{ clusterResourceId: CLUSTER, nodeIp: '[10.224.0.4]' }, 'nodeIp: not an IP address'],
    [
      { clusterResourceId: CLUSTER.replace('rg-demo', '..'), nodeIp: '10.224.0.4' },
      'clusterResourceId: not an AKS managed cluster resource ID',
    ],
  ])('refuses %j with one line', (input, message) => {
    expect(() => parseInvestigationInput(input)).toThrow(message);
  });

  it('gives the node IP in canonical form, so that one node is one instance ID', () => {
    expect(parseInvestigationInput({ clusterResourceId: CLUSTER, nodeIp: 'FD00:0::1' }).nodeIp).toBe(
      'fd00::1',
    );
    expect(parseInvestigationInput({ clusterResourceId: CLUSTER, nodeIp: '::ffff:10.224.0.4' }).nodeIp).toBe(
      '10.224.0.4',
    );
  });

  it('names every problem at once', () => {
    expect(() => parseInvestigationInput({ clusterResourceId: 'x', nodeIp: 'y', traceSeconds: 0 })).toThrow(
      /clusterResourceId: .*; nodeIp: not an IP address; traceSeconds: /,
    );
  });
});
