import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../../src/core/errors';
import { clusterNodes, fillerPods } from '../../src/sim/cluster-layout';
import { DEFAULT_SCENARIO } from '../../src/sim/default-scenario';
import { parseScenario } from '../../src/sim/scenario';

const SCENARIOS_DIR = join(__dirname, '..', 'fixtures', 'scenarios');

// Scenario documents as a person writes them, loose enough to hold the mistakes the cases make.
interface TrafficDoc {
  to: string;
  connectsPerSecond?: unknown;
  established?: unknown;
  container?: string;
  conectsPerSecond?: number;
  socket?: string;
}
interface PodDoc {
  namespace: string;
  name: string;
  ip?: string;
  ips?: string[];
  hostNetwork?: boolean;
  containers?: { name: string; tools?: string[] }[];
  traffic?: TrafficDoc[];
}
interface NodeDoc {
  name: string;
  ip: string;
  os?: string;
  image?: string;
  fillerPods?: number;
  pods?: PodDoc[];
}
interface ScenarioDoc {
  cluster?: {
    subscriptionId: string;
    resourceGroup: string;
    name: string;
    outbound?: Record<string, unknown>;
  };
  seed?: unknown;
  traceSeconds?: unknown;
  extraNodes?: unknown;
  nodes: NodeDoc[];
}

const node0 = (d: ScenarioDoc): NodeDoc => d.nodes[0] as NodeDoc;
const pods0 = (d: ScenarioDoc): PodDoc[] => node0(d).pods as PodDoc[];
const pod0 = (d: ScenarioDoc): PodDoc => pods0(d)[0] as PodDoc;
const traffic0 = (d: ScenarioDoc): TrafficDoc => (pod0(d).traffic as TrafficDoc[])[0] as TrafficDoc;

/** The smallest scenario with one of everything the errors below point at. */
function base(): ScenarioDoc {
  return {
    cluster: {
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      resourceGroup: 'rg-demo',
      name: 'aks-demo',
    },
    nodes: [
      {
        name: 'aks-nodepool1-12345678-vmss000000',
        ip: '10.224.0.4',
        pods: [
          {
            namespace: 'shop',
            name: 'checkout-5d8f7',
            ip: '10.244.1.7',
            traffic: [{ to: '20.50.2.10:443', connectsPerSecond: 40, established: 300 }],
          },
        ],
      },
    ],
  };
}

function errorOf(document: unknown): string {
  try {
    parseScenario(typeof document === 'string' ? document : JSON.stringify(document));
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('parseScenario accepted the scenario');
}

describe('parseScenario: defaults and normal form', () => {
  test('fills every default the design names', () => {
    const scenario = parseScenario(JSON.stringify(base()));
    expect(scenario.seed).toBe(42);
    expect(scenario.traceSeconds).toBe(2);
    expect(scenario.extraNodes).toBe(0);
    expect(scenario.cluster).toEqual({
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      resourceGroup: 'rg-demo',
      name: 'aks-demo',
      location: 'eastus',
      aadEnabled: false,
      outbound: {
        type: 'loadBalancer',
        managedOutboundIPs: 1,
        allocatedOutboundPorts: 0,
        idleTimeoutMinutes: 30,
      },
    });
    const node = scenario.nodes[0];
    expect(node?.fillerPods).toBe(0);
    expect(node?.os).toBe('linux');
    expect(node?.image).toBe('ubuntu2204');
    expect(node?.pods[0]).toEqual({
      namespace: 'shop',
      name: 'checkout-5d8f7',
      ip: '10.244.1.7',
      ips: ['10.244.1.7'],
      hostNetwork: false,
      containers: [
        {
          name: 'app',
          tools: ['netstat', 'ss', 'cat'],
          image: 'example.azurecr.io/shop/app:1.0.0',
          command: ['/usr/local/bin/app'],
        },
      ],
      traffic: [
        { to: '20.50.2.10:443', connectsPerSecond: 40, established: 300, container: 'app', socket: 'ipv4' },
      ],
    });
  });

  test('traffic without a container belongs to the first container', () => {
    const document = base();
    pod0(document).containers = [{ name: 'web' }, { name: 'envoy', tools: [] }];
    const pod = parseScenario(JSON.stringify(document)).nodes[0]?.pods[0];
    expect(pod?.traffic[0]?.container).toBe('web');
    expect(pod?.containers[1]?.tools).toEqual([]);
  });

  test('writes addresses in canonical form', () => {
    const document = base();
    pod0(document).ip = 'FD00:10:244:1:0:0:0:7';
    pod0(document).traffic = [{ to: '[2603:1030:0403:0003::002A]:443' }];
    const pod = parseScenario(JSON.stringify(document)).nodes[0]?.pods[0];
    expect(pod?.ip).toBe('fd00:10:244:1::7');
    expect(pod?.traffic[0]?.to).toBe('[2603:1030:403:3::2a]:443');
  });

  test('reads YAML and JSON of the same scenario alike', () => {
    expect(parseScenario(stringify(base()))).toEqual(parseScenario(JSON.stringify(base())));
  });

  test('reads YAML in flow style, which starts with a brace like JSON', () => {
    const flow = stringify(base(), { collectionStyle: 'flow' });
    expect(flow.startsWith('{')).toBe(true);
    expect(() => JSON.parse(flow) as unknown).toThrow();
    expect(parseScenario(flow)).toEqual(parseScenario(JSON.stringify(base())));
  });

  test('a normalised scenario parses back to itself', () => {
    const once = parseScenario(stringify(base()));
    expect(parseScenario(JSON.stringify(once))).toEqual(once);
  });

  test('the built-in scenario is a valid, normalised scenario', () => {
    expect(parseScenario(JSON.stringify(DEFAULT_SCENARIO))).toEqual(DEFAULT_SCENARIO);
  });

  test.each(readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.json')))('fixture %s is valid', (file) => {
    expect(() => parseScenario(readFileSync(join(SCENARIOS_DIR, file), 'utf8'))).not.toThrow();
  });
});

describe('parseScenario: one line naming the field and what is wrong', () => {
  const at = 'nodes[0].pods[0]';
  const cases: [string, (d: ScenarioDoc) => unknown, string][] = [
    [
      'a destination without a port',
      (d) => (traffic0(d).to = '20.50.2.10'),
      `scenario: ${at}.traffic[0].to: not HOST:PORT ('20.50.2.10')`,
    ],
    [
      'an IPv6 destination without brackets',
      (d) => (traffic0(d).to = '2603:1030::1:443'),
      `scenario: ${at}.traffic[0].to: not HOST:PORT ('2603:1030::1:443')`,
    ],
    [
      'a port out of range',
      (d) => (traffic0(d).to = '[2603:1030::1]:70000'),
      `scenario: ${at}.traffic[0].to: not HOST:PORT ('[2603:1030::1]:70000')`,
    ],
    [
      'a node name that is not DNS-1123',
      (d) => (node0(d).name = 'AKS_Node'),
      "scenario: nodes[0].name: not a DNS-1123 name ('AKS_Node')",
    ],
    [
      'a node IP that does not parse',
      (d) => (node0(d).ip = '10.224.0.256'),
      "scenario: nodes[0].ip: not an IPv4 address ('10.224.0.256')",
    ],
    [
      'an IPv6 node IP',
      (d) => (node0(d).ip = 'fd00::4'),
      "scenario: nodes[0].ip: not an IPv4 address ('fd00::4')",
    ],
    [
      'a pod IP that does not parse',
      (d) => (pod0(d).ip = '10.244.1'),
      `scenario: ${at}.ip: not an IP address ('10.244.1')`,
    ],
    ['a pod without an IP', (d) => delete pod0(d).ip, `scenario: ${at}.ip: required unless hostNetwork`],
    [
      'a hostNetwork pod with an IP',
      (d) => (pod0(d).hostNetwork = true),
      `scenario: ${at}.ip: not allowed with hostNetwork (the pod uses the node IP)`,
    ],
    [
      'the same pod twice',
      (d) =>
        d.nodes.push({
          name: 'aks-nodepool1-12345678-vmss000001',
          ip: '10.224.0.5',
          pods: [{ ...pod0(d), ip: '10.244.2.7' }],
        }),
      'scenario: nodes[1].pods[0].name: shop/checkout-5d8f7 is already defined at nodes[0].pods[0]',
    ],
    [
      'two pods with one IP',
      (d) => pods0(d).push({ namespace: 'shop', name: 'cart-7c9d4', ip: '10.244.1.7' }),
      'scenario: nodes[0].pods[1].ip: 10.244.1.7 is already used by nodes[0].pods[0]',
    ],
    [
      "a pod with the node's IP",
      (d) => (pod0(d).ip = '10.224.0.4'),
      `scenario: ${at}.ip: 10.224.0.4 is already used by nodes[0]`,
    ],
    [
      'two nodes with one name',
      (d) => d.nodes.push({ name: 'aks-nodepool1-12345678-vmss000000', ip: '10.224.0.5' }),
      'scenario: nodes[1].name: aks-nodepool1-12345678-vmss000000 is already defined at nodes[0]',
    ],
    [
      'a fractional established count',
      (d) => (traffic0(d).established = 1.5),
      `scenario: ${at}.traffic[0].established: expected a non-negative integer, got 1.5`,
    ],
    [
      'a negative established count',
      (d) => (traffic0(d).established = -1),
      `scenario: ${at}.traffic[0].established: expected a non-negative integer, got -1`,
    ],
    [
      'a negative connect rate',
      (d) => (traffic0(d).connectsPerSecond = -2),
      `scenario: ${at}.traffic[0].connectsPerSecond: expected a number from 0 to 10000, got -2`,
    ],
    [
      'a connect rate that is not a number',
      (d) => (traffic0(d).connectsPerSecond = 'fast'),
      `scenario: ${at}.traffic[0].connectsPerSecond: expected a number from 0 to 10000, got 'fast'`,
    ],
    [
      'a zero-second trace',
      (d) => (d.traceSeconds = 0),
      'scenario: traceSeconds: expected an integer from 1 to 600, got 0',
    ],
    [
      'a fractional trace length',
      (d) => (d.traceSeconds = 2.5),
      'scenario: traceSeconds: expected an integer from 1 to 600, got 2.5',
    ],
    [
      'a negative seed',
      (d) => (d.seed = -1),
      'scenario: seed: expected an integer from 0 to 4294967295, got -1',
    ],
    [
      'a misspelt field',
      (d) => (traffic0(d).conectsPerSecond = 3),
      `scenario: ${at}.traffic[0].conectsPerSecond: unknown field`,
    ],
    [
      'traffic of a container the pod does not have',
      (d) => (traffic0(d).container = 'sidecar'),
      `scenario: ${at}.traffic[0].container: no container 'sidecar' in the pod`,
    ],
    [
      'an IPv6 destination from an IPv4 pod',
      (d) => (traffic0(d).to = '[2603:1030:403:3::2a]:443'),
      `scenario: ${at}.traffic[0].to: an IPv6 destination, but the pod ip 10.244.1.7 is IPv4`,
    ],
    [
      'an IPv6 destination from a hostNetwork pod',
      (d) => {
        delete pod0(d).ip;
        pod0(d).hostNetwork = true;
        traffic0(d).to = '[2603:1030:403:3::2a]:443';
      },
      `scenario: ${at}.traffic[0].to: an IPv6 destination, but a hostNetwork pod has only the node IPv4 address`,
    ],
    ['no nodes', (d) => (d.nodes = []), 'scenario: nodes: needs at least 1 entry'],
    ['no cluster', (d) => delete d.cluster, 'scenario: cluster: required'],
    [
      'a tool the simulator cannot answer',
      (d) => (pod0(d).containers = [{ name: 'app', tools: ['curl'] }]),
      `scenario: ${at}.containers[0].tools[0]: expected 'netstat', 'ss' or 'cat', got 'curl'`,
    ],
    [
      'two containers with one name',
      (d) => (pod0(d).containers = [{ name: 'app' }, { name: 'app' }]),
      `scenario: ${at}.containers[1].name: app is already a container of the pod`,
    ],
    [
      'more pods than a node takes',
      (d) => (node0(d).fillerPods = 250),
      "scenario: nodes[0].fillerPods: 1 pods + 250 filler pods is more than AKS's 250 per node",
    ],
    [
      'more nodes than a cluster takes',
      (d) => (d.extraNodes = 5000),
      "scenario: extraNodes: 1 nodes + 5000 extra is more than AKS's 5000",
    ],
    [
      'more connections than one address has ports',
      (d) => (traffic0(d).established = 30000),
      `scenario: ${at}.traffic: 30000 ESTABLISHED connections need more ephemeral ports than one address has (28232)`,
    ],
    [
      "the filler pods' namespace",
      (d) => (pod0(d).namespace = 'filler'),
      `scenario: ${at}.namespace: 'filler' is kept for the generated filler pods`,
    ],
    [
      'an allocatedOutboundPorts that is not a multiple of 8',
      (d) => ((d.cluster as NonNullable<ScenarioDoc['cluster']>).outbound = { allocatedOutboundPorts: 100 }),
      'scenario: cluster.outbound.allocatedOutboundPorts: expected a multiple of 8 from 0 to 64000, got 100',
    ],
    [
      'a subscription that is not a GUID',
      (d) => ((d.cluster as NonNullable<ScenarioDoc['cluster']>).subscriptionId = 'demo'),
      "scenario: cluster.subscriptionId: not a subscription ID (a GUID) ('demo')",
    ],
    [
      'a list where an object belongs',
      (d) => (pod0(d).traffic = { to: '20.50.2.10:443' } as unknown as TrafficDoc[]),
      `scenario: ${at}.traffic: expected a list, got an object`,
    ],
    [
      'a Windows node on a Linux image',
      (d) => (node0(d).os = 'windows'),
      'scenario: nodes[0].os: windows, but the image ubuntu2204 is linux',
    ],
    [
      'an unknown node image',
      (d) => (node0(d).image = 'ubuntu1804'),
      "scenario: nodes[0].image: expected 'ubuntu2204', 'ubuntu2404', 'azurelinux3', 'windows2022' or 'nobcc', got 'ubuntu1804'",
    ],
    [
      'ip and ips that disagree',
      (d) => (pod0(d).ips = ['10.244.1.8']),
      `scenario: ${at}.ips: give ip or ips, not both`,
    ],
    [
      'dual-stack ips in the wrong order',
      (d) => {
        delete pod0(d).ip;
        pod0(d).ips = ['fd00:10:244:1::7', '10.244.1.7'];
      },
      `scenario: ${at}.ips[0]: expected IPv4 first, as status.podIPs lists them; ${at}.ips[1]: expected IPv6 second, as status.podIPs lists them`,
    ],
    [
      'an IPv4 socket to an IPv6 destination',
      (d) => {
        delete pod0(d).ip;
        pod0(d).ips = ['10.244.1.7', 'fd00:10:244:1::7'];
        traffic0(d).to = '[2603:1030:403:3::2a]:443';
        traffic0(d).socket = 'ipv4';
      },
      `scenario: ${at}.traffic[0].socket: an IPv4 socket cannot reach an IPv6 destination`,
    ],
  ];

  test.each(cases)('%s', (_name, mutate, message) => {
    const document = base();
    mutate(document);
    expect(errorOf(document)).toBe(message);
  });

  test('names the first three problems and counts the rest, on one line', () => {
    const document = base();
    document.seed = 'x';
    document.traceSeconds = 0;
    document.extraNodes = -1;
    node0(document).ip = 'nope';
    traffic0(document).to = 'nope';
    const message = errorOf(document);
    expect(message).toBe(
      "scenario: seed: expected an integer from 0 to 4294967295, got 'x'; " +
        'traceSeconds: expected an integer from 1 to 600, got 0; ' +
        'extraNodes: expected a non-negative integer, got -1 (and 2 more)',
    );
    expect(message).not.toContain('\n');
  });

  test.each([
    ['empty text', '  \n', /^scenario: the text is empty$/],
    ['broken JSON', '{"cluster": ', /^scenario: not valid JSON: [^\n]+$/],
    ['broken YAML', 'cluster:\n  name: [aks\nnodes: 1\n', /^scenario: not valid YAML: [^\n]+$/],
    ['a YAML scalar', 'hello', /^scenario: expected an object, got 'hello'$/],
  ])('%s', (_name, text, message) => {
    expect(errorOf(text)).toMatch(message);
  });
});

describe('cluster layout', () => {
  test('extra nodes continue the VMSS names and the node addresses', () => {
    const document = base();
    document.extraNodes = 2;
    document.nodes.push({ name: 'aks-nodepool1-12345678-vmss000001', ip: '10.224.0.5' });
    expect(clusterNodes(parseScenario(JSON.stringify(document)))).toEqual([
      { name: 'aks-nodepool1-12345678-vmss000000', ip: '10.224.0.4', index: 0, extra: false },
      { name: 'aks-nodepool1-12345678-vmss000001', ip: '10.224.0.5', index: 1, extra: false },
      { name: 'aks-nodepool1-12345678-vmss000002', ip: '10.224.0.6', index: 2, extra: true },
      { name: 'aks-nodepool1-12345678-vmss000003', ip: '10.224.0.7', index: 3, extra: true },
    ]);
  });

  test('the scale fixture has 1000 nodes and 250 pods on the alerting node', () => {
    const scenario = parseScenario(readFileSync(join(SCENARIOS_DIR, 'scale-1000-nodes.json'), 'utf8'));
    const nodes = clusterNodes(scenario);
    expect(nodes).toHaveLength(1000);
    expect(new Set(nodes.map((n) => n.name)).size).toBe(1000);
    expect(new Set(nodes.map((n) => n.ip)).size).toBe(1000);
    expect(nodes.at(-1)).toEqual({
      name: 'aks-nodepool1-12345678-vmss0000rr',
      ip: '10.224.3.235',
      index: 999,
      extra: true,
    });
    const fillers = fillerPods(scenario).get('aks-nodepool1-12345678-vmss000000') ?? [];
    expect(fillers.length + (scenario.nodes[0]?.pods.length ?? 0)).toBe(250);
  });

  test('filler pods take free addresses of the node pod range', () => {
    const document = base();
    node0(document).fillerPods = 3;
    pods0(document).push({ namespace: 'shop', name: 'cart-7c9d4', ip: '10.244.1.3' });
    const fillers = fillerPods(parseScenario(JSON.stringify(document))).get(
      'aks-nodepool1-12345678-vmss000000',
    );
    expect(fillers?.map((p) => `${p.namespace}/${p.name} ${p.ip}`)).toEqual([
      'filler/idle-0-000 10.244.1.2',
      'filler/idle-0-001 10.244.1.4',
      'filler/idle-0-002 10.244.1.5',
    ]);
  });
});
