import type { RankedPod, SnatUsage } from '../../src/core/finding';
import { recommend } from '../../src/core/recommend';
import { maxNodes, maxPortsPerNode, outboundIpsNeeded, portsPerNode } from '../../src/core/snat-budget';

describe('portsPerNode: allocatedOutboundPorts, or the default table when it is 0', () => {
  it.each([
    [0, 1, 1024],
    [0, 50, 1024],
    [0, 51, 512],
    [0, 100, 512],
    [0, 101, 256],
    [0, 200, 256],
    [0, 201, 128],
    [0, 400, 128],
    [0, 401, 64],
    [0, 800, 64],
    [0, 801, 32],
    [0, 1000, 32],
    [0, 1001, null],
    [4000, 3, 4000],
    [4000, 1001, 4000],
  ])('allocated %i with %i nodes -> %p', (allocated, nodes, expected) => {
    expect(portsPerNode(allocated, nodes)).toBe(expected);
  });
});

describe('the node budget', () => {
  it.each([
    [1, 1024, 62],
    [2, 1024, 125],
    [1, 32, 2000],
    [4, 8000, 32],
  ])('%i outbound IPs at %i ports serve %i nodes', (ips, ports, nodes) => {
    expect(maxNodes(ips, ports)).toBe(nodes);
  });

  it.each([
    [1, 3, 21328],
    [1, 10, 6400],
    [1, 62, 1032],
    [2, 1, 64000],
  ])('%i outbound IPs give %i nodes at most %i ports each (a multiple of 8)', (ips, nodes, ports) => {
    expect(maxPortsPerNode(ips, nodes)).toBe(ports);
  });

  it('counts the outbound IPs a target allocation needs', () => {
    expect(outboundIpsNeeded(62, 2048)).toBe(2);
    expect(outboundIpsNeeded(3, 1024)).toBe(1);
  });
});

const busyPod: RankedPod = {
  namespace: 'shop',
  name: 'checkout-5d8f7',
  rank: 1,
  hostNetwork: false,
  established: 300,
  publicEstablished: 300,
  tracedConnects: 80,
  tracedPublicConnects: 80,
  topDestinations: [{ daddr: '20.50.2.10', dport: 443, connects: 80, established: 300, public: true }],
  evidence: [],
};

function snat(overrides: Partial<SnatUsage>): SnatUsage {
  return {
    allocatedPorts: 1024,
    usedPorts: 1000,
    failedConnections: 12,
    portsPerNode: 1024,
    outboundIps: 1,
    maxNodes: 62,
    nodeCount: 3,
    ...overrides,
  };
}

describe('recommend, from the port budget', () => {
  it('raises allocatedOutboundPorts when the outbound IPs have room', () => {
    const advice = recommend({ pods: [busyPod], culprit: busyPod, snat: snat({}) });
    expect(advice.map((r) => r.id)).toEqual(['connection-pooling', 'more-outbound-ports']);
    expect(advice[1]?.text).toBe(
      'Raise allocatedOutboundPorts from 1024 to 10664: at that allocation 1 outbound IP serves 6 nodes, ' +
        "twice today's 3, which leaves room for scale-out and upgrade surge.",
    );
  });

  it('adds outbound IPs, or a NAT gateway, when the node count uses the budget up', () => {
    const advice = recommend({
      pods: [busyPod],
      culprit: busyPod,
      snat: snat({ nodeCount: 62, maxNodes: 62 }),
    });
    expect(advice.map((r) => r.id)).toEqual(['connection-pooling', 'more-outbound-ips', 'nat-gateway']);
    expect(advice[1]?.text).toBe(
      'Add outbound IPs: 1 outbound IP gives each of 62 nodes 1024 ports with little room to grow; ' +
        '4 outbound IPs would give each 2048.',
    );
  });

  it('says nothing of the budget while the node has ports to spare', () => {
    const advice = recommend({
      pods: [busyPod],
      culprit: busyPod,
      snat: snat({ usedPorts: 100, failedConnections: 0 }),
    });
    expect(advice.map((r) => r.id)).toEqual(['connection-pooling']);
  });

  it('does not advise pooling when the traffic is spread over many destinations', () => {
    const spread: RankedPod = {
      ...busyPod,
      publicEstablished: 50,
      tracedPublicConnects: 0,
      topDestinations: [1, 2, 3, 4, 5].map((i) => ({
        daddr: `20.50.2.${i}`,
        dport: 443,
        connects: 0,
        established: 10,
        public: true,
      })),
    };
    expect(recommend({ pods: [spread], culprit: spread, snat: null })).toEqual([]);
  });
});
