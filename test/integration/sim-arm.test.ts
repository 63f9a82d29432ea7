import { request } from 'node:https';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { MonitorClient } from '@azure/arm-monitor';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { parse } from 'yaml';
import { AksAccess } from '../../src/adapters/azure/aks-access';
import { AzureAuthError, AzureError, AzureNotFoundError } from '../../src/adapters/azure/errors';
import { AKS_TOKEN_SCOPE } from '../../src/adapters/azure/kubeconfig-token';
import { SnatMetrics } from '../../src/adapters/azure/snat-metrics';
import { InputError, NotFoundError } from '../../src/core/errors';
import { startSimArmServer, type SimArmCluster, type SimArmServer } from '../../src/sim/arm-server';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const ARM_SCOPE = 'https://management.azure.com/.default';
const ARM_TOKEN = 'arm-token-for-tests';
const AKS_TOKEN = 'entra-token-for-aks';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: aks-shop
    cluster:
      server: https://127.0.0.1:6443
      certificate-authority-data: Y2VydGlmaWNhdGU=
contexts:
  - name: aks-shop
    context:
      cluster: aks-shop
      user: clusterUser_rg-shop_aks-shop
current-context: aks-shop
users:
  - name: clusterUser_rg-shop_aks-shop
    user:
      token: local-account-token
`;

interface Kubeconfig {
  readonly clusters: unknown;
  readonly contexts: unknown;
  readonly 'current-context': unknown;
  readonly users: readonly { readonly name: string; readonly user: Record<string, unknown> }[];
}

const parseKubeconfig = (text: string) => parse(text) as Kubeconfig;

/** Node i: 10.224.0.(4+i), used ports rising with i, i*7 failed connections. */
function simCluster(nodes: number, overrides: Partial<SimArmCluster> = {}): SimArmCluster {
  const list = Array.from({ length: nodes }, (_, i) => ({
    name: `aks-nodepool1-1234-vmss${String(i).padStart(6, '0')}`,
    ip: `10.224.${Math.floor((4 + i) / 256)}.${(4 + i) % 256}`,
  }));
  return {
    subscriptionId: '00000000-0000-0000-0000-00000000a11c',
    resourceGroup: 'rg-shop',
    name: 'aks-shop',
    location: 'westeurope',
    aadEnabled: false,
    outbound: {
      type: 'loadBalancer',
      managedOutboundIPs: 2,
      allocatedOutboundPorts: 1024,
      idleTimeoutMinutes: 4,
    },
    nodes: list,
    snat: new Map(
      list.map((n, i) => [
        n.ip,
        {
          usedPorts: 10 * (i + 1),
          allocatedPorts: 1024,
          failedConnections: 7 * i,
          successfulConnections: 1000 + i,
        },
      ]),
    ),
    kubeconfig: KUBECONFIG,
    ...overrides,
  };
}

/** A credential that hands out fixed tokens and remembers which scopes it was asked for. */
function recordingCredential(armToken = ARM_TOKEN): TokenCredential & { scopes: string[][] } {
  const scopes: string[][] = [];
  return {
    scopes,
    getToken: (scope: string | string[]): Promise<AccessToken> => {
      const asked = [scope].flat();
      scopes.push(asked);
      const token = asked.includes(AKS_TOKEN_SCOPE) ? AKS_TOKEN : armToken;
      return Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 });
    },
  };
}

function adapters(server: SimArmServer, credential: TokenCredential = recordingCredential()) {
  const common = { credential, endpoint: server.endpoint, tlsOptions: { ca: server.ca } };
  return { aks: new AksAccess(common), metrics: new SnatMetrics({ ...common, now: () => new Date(NOW) }) };
}

/** A plain HTTPS GET, for what no adapter reads (the load balancer) and for requests without a token. */
function rawGet(
  server: SimArmServer,
  path: string,
  token?: string,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.endpoint}${path}`,
      { ca: server.ca, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('simulated ARM through the real SDK clients', () => {
  let local: SimArmServer;
  let aad: SimArmServer;
  let large: SimArmServer;

  beforeAll(async () => {
    [local, aad, large] = await Promise.all([
      startSimArmServer(simCluster(15), { token: ARM_TOKEN, splitListPages: true, now: () => NOW }),
      startSimArmServer(simCluster(3, { aadEnabled: true, name: 'aks-entra', resourceGroup: 'RG-Entra' }), {
        now: () => NOW,
      }),
      startSimArmServer(
        simCluster(150, {
          outbound: {
            type: 'loadBalancer',
            managedOutboundIPs: 4,
            allocatedOutboundPorts: 0,
            idleTimeoutMinutes: 30,
          },
        }),
        {
          now: () => NOW,
        },
      ),
    ]);
  });
  afterAll(async () => {
    await Promise.all([local?.close(), aad?.close(), large?.close()]);
  });

  const expectedLocal = () => ({
    id: '/subscriptions/00000000-0000-0000-0000-00000000a11c/resourcegroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-shop',
    name: 'aks-shop',
    resourceGroup: 'rg-shop',
    subscriptionId: '00000000-0000-0000-0000-00000000a11c',
    nodeResourceGroup: 'MC_rg-shop_aks-shop_westeurope',
    aadEnabled: false,
    outbound: { type: 'loadBalancer', outboundIps: 2, allocatedOutboundPorts: 1024, idleTimeoutMinutes: 4 },
    nodeCount: 15,
  });

  describe('AksAccess.findCluster', () => {
    it('finds the cluster by its resource ID, with its outbound profile', async () => {
      const { aks } = adapters(local);
      expect(await aks.findCluster({ clusterId: local.clusterId })).toEqual(expectedLocal());
      expect(local.clusterId).toBe(expectedLocal().id);
    });

    it('finds the cluster by node resource group, whatever its case, following nextLink', async () => {
      const { aks } = adapters(local);
      const found = await aks.findCluster({
        subscriptionId: '00000000-0000-0000-0000-00000000a11c',
        nodeResourceGroup: local.nodeResourceGroup.toUpperCase(),
      });
      expect(found).toEqual(expectedLocal());
    });

    it('reads an Entra ID cluster and a cluster with default port allocation', async () => {
      expect(await adapters(aad).aks.findCluster({ clusterId: aad.clusterId })).toEqual({
        id: '/subscriptions/00000000-0000-0000-0000-00000000a11c/resourcegroups/RG-Entra/providers/Microsoft.ContainerService/managedClusters/aks-entra',
        name: 'aks-entra',
        resourceGroup: 'RG-Entra',
        subscriptionId: '00000000-0000-0000-0000-00000000a11c',
        nodeResourceGroup: 'MC_RG-Entra_aks-entra_westeurope',
        aadEnabled: true,
        outbound: {
          type: 'loadBalancer',
          outboundIps: 2,
          allocatedOutboundPorts: 1024,
          idleTimeoutMinutes: 4,
        },
        nodeCount: 3,
      });
      const big = await adapters(large).aks.findCluster({ clusterId: large.clusterId });
      expect([big.outbound, big.nodeCount]).toEqual([
        { type: 'loadBalancer', outboundIps: 4, allocatedOutboundPorts: 0, idleTimeoutMinutes: 30 },
        150,
      ]);
    });

    it('turns a 404 into a typed NotFound error that keeps the SDK error as cause', async () => {
      const { aks } = adapters(local);
      const error: unknown = await aks
        .findCluster({
          clusterId:
            '/subscriptions/00000000-0000-0000-0000-00000000a11c/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/gone',
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AzureNotFoundError);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ name: 'AzureNotFoundError', status: 404, code: 'ResourceNotFound' });
      expect((error as Error).message).toBe(
        "get managed cluster rg-shop/gone failed (HTTP 404 ResourceNotFound): The Resource '/subscriptions/00000000-0000-0000-0000-00000000a11c/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/gone' was not found.",
      );
      expect((error as Error).cause).toMatchObject({ name: 'RestError', statusCode: 404 });
    });

    it('says NotFound when no cluster has the node resource group', async () => {
      const error = await adapters(local)
        .aks.findCluster({
          subscriptionId: '00000000-0000-0000-0000-00000000a11c',
          nodeResourceGroup: 'MC_other',
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as Error).message).toBe(
        'no managed cluster in subscription 00000000-0000-0000-0000-00000000a11c has node resource group MC_other',
      );
    });

    it('refuses a malformed cluster ID before calling Azure', async () => {
      const credential = recordingCredential();
      await expect(
        adapters(local, credential).aks.findCluster({ clusterId: '/subscriptions/x/aks' }),
      ).rejects.toThrow(InputError);
      expect(credential.scopes).toEqual([]);
    });
  });

  describe('AksAccess.kubeconfig', () => {
    it('returns a local-account cluster kubeconfig exactly as the service sent it, asking for no AKS token', async () => {
      const credential = recordingCredential();
      const { aks } = adapters(local, credential);
      const cluster = await aks.findCluster({ clusterId: local.clusterId });
      expect(await aks.kubeconfig(cluster)).toBe(KUBECONFIG);
      expect(credential.scopes).toEqual([[ARM_SCOPE]]);
    });

    it('the service gives an Entra ID cluster a kubelogin exec user', async () => {
      const client = new ContainerServiceClient(
        recordingCredential(),
        '00000000-0000-0000-0000-00000000a11c',
        {
          endpoint: aad.endpoint,
          tlsOptions: { ca: aad.ca },
        },
      );
      const result = await client.managedClusters.listClusterUserCredentials('RG-Entra', 'aks-entra');
      expect(result.kubeconfigs?.map((k) => k.name)).toEqual(['clusterUser']);
      const config = parseKubeconfig(
        Buffer.from(result.kubeconfigs?.[0]?.value ?? new Uint8Array()).toString('utf8'),
      );
      expect(config.users).toHaveLength(1);
      expect(config.users[0]?.name).toBe('clusterUser_rg-shop_aks-shop');
      const tenantId = (await client.managedClusters.get('RG-Entra', 'aks-entra')).aadProfile?.tenantID;
      expect(tenantId).toMatch(/^[0-9a-f-]{36}$/);
      expect(config.users[0]?.user).toEqual({
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          args: [
            'get-token',
            '--environment',
            'AzurePublicCloud',
            '--server-id',
            '6dae42f8-4368-4678-94ff-3960e28e3630',
            '--client-id',
            '80faf920-1908-4b52-b5ef-a8e7bedfc67a',
            '--tenant-id',
            tenantId,
            '--login',
            'devicecode',
          ],
          command: 'kubelogin',
          env: null,
          installHint:
            'kubelogin is not installed which is required to connect to AAD enabled cluster.\n' +
            'To learn more, please go to https://aka.ms/aks/kubelogin\n',
          interactiveMode: 'IfAvailable',
          provideClusterInfo: false,
        },
      });
    });

    it('swaps the exec user of an Entra ID cluster for a token the credential gave for the AKS scope', async () => {
      const credential = recordingCredential();
      const { aks } = adapters(aad, credential);
      const cluster = await aks.findCluster({ clusterId: aad.clusterId });
      const config = parseKubeconfig(await aks.kubeconfig(cluster));
      expect(config.users).toEqual([{ name: 'clusterUser_rg-shop_aks-shop', user: { token: AKS_TOKEN } }]);
      const original = parseKubeconfig(KUBECONFIG);
      expect([config.clusters, config.contexts, config['current-context']]).toEqual([
        original.clusters,
        original.contexts,
        original['current-context'],
      ]);
      expect(credential.scopes).toEqual([[ARM_SCOPE], ['6dae42f8-4368-4678-94ff-3960e28e3630/.default']]);
    });
  });

  describe('SnatMetrics.usage', () => {
    it('gives every node of 15 its figures over the last 30 minutes, though Azure returns 10 by default', async () => {
      const usage = await adapters(local).metrics.usage(local.loadBalancerId);
      // The chart's series: a point a minute, oldest first, rising to the peak the figures report.
      const series = usage[0]?.usedOverTime ?? [];
      expect(series.length).toBeGreaterThanOrEqual(30);
      expect(series.at(-1)?.used).toBe(150);
      expect(series.map((p) => p.at)).toEqual([...series.map((p) => p.at)].sort());
      expect(usage.map(({ usedOverTime: _series, ...figures }) => figures)).toEqual(
        Array.from({ length: 15 }, (_, k) => {
          const i = 14 - k;
          return {
            ip: `10.224.0.${4 + i}`,
            usedPorts: 10 * (i + 1),
            allocatedPorts: 1024,
            failedConnections: 7 * i,
          };
        }),
      );
    });

    it('a split query without top gets 10 series, the busiest first, like Azure', async () => {
      const client = new MonitorClient(recordingCredential(), {
        endpoint: local.endpoint,
        tlsOptions: { ca: local.ca },
      });
      const answer = await client.metrics.list(local.loadBalancerId.slice(1), {
        metricnames: 'SnatConnectionCount',
        filter: "BackendIPAddress eq '*' and ConnectionState eq 'failed'",
        timespan: 'PT30M',
      });
      const series = answer.value[0]?.timeseries ?? [];
      expect(series.map((s) => s.metadatavalues?.map((m) => [m.name?.value, m.value]))).toEqual(
        Array.from({ length: 10 }, (_, k) => [
          ['backendipaddress', `10.224.0.${18 - k}`],
          ['connectionstate', 'failed'],
        ]),
      );
      expect(series[0]?.data?.reduce((sum, p) => sum + (p.total ?? 0), 0)).toBe(98);
      expect(answer.timespan).toBe('2025-06-01T11:30:00Z/2025-06-01T12:00:00Z');
    });

    it.each([
      [
        'no filter: one series over every node and state',
        undefined,
        '2025-06-01T11:30:00Z/PT30M',
        [[[], 15840]],
      ],
      [
        'ConnectionState only: one series per state asked for',
        "ConnectionState eq 'failed'",
        'PT30M',
        [[[['connectionstate', 'failed']], 735]],
      ],
      [
        'a timespan before the window: points without values',
        undefined,
        '2025-06-01T10:00:00Z/2025-06-01T10:30:00Z',
        [[[], 0]],
      ],
    ])('SnatConnectionCount, interval FULL, %s', async (_, filter, timespan, expected) => {
      const client = new MonitorClient(recordingCredential(), {
        endpoint: local.endpoint,
        tlsOptions: { ca: local.ca },
      });
      const answer = await client.metrics.list(local.loadBalancerId.slice(1), {
        metricnames: 'SnatConnectionCount',
        aggregation: 'Total',
        interval: 'FULL',
        timespan,
        ...(filter === undefined ? {} : { filter }),
      });
      const series = answer.value[0]?.timeseries ?? [];
      expect(series.map((s) => s.data?.length)).toEqual(expected.map(() => 1));
      expect(
        series.map((s) => [
          s.metadatavalues?.map((m) => [m.name?.value, m.value]),
          s.data?.reduce((sum, p) => sum + (p.total ?? 0), 0),
        ]),
      ).toEqual(expected);
    });

    it('asks again with a larger top when 150 nodes fill the first answer', async () => {
      const debug: string[] = [];
      const credential = recordingCredential();
      const metrics = new SnatMetrics({
        credential,
        endpoint: large.endpoint,
        tlsOptions: { ca: large.ca },
        logger: { debug: (m) => debug.push(m), warn: (m) => debug.push(`warn: ${m}`) },
        now: () => new Date(NOW),
      });
      const usage = await metrics.usage(large.loadBalancerId);
      expect(usage).toHaveLength(150);
      expect({ ...usage[0], usedOverTime: undefined }).toEqual({
        usedOverTime: undefined,
        ip: '10.224.0.153',
        usedPorts: 1500,
        allocatedPorts: 1024,
        failedConnections: 1043,
      });
      expect(usage.reduce((sum, u) => sum + u.failedConnections, 0)).toBe(7 * ((149 * 150) / 2));
      expect(debug).toEqual(['SNAT metrics returned 100 series, as many as asked for; asking for more']);
    });

    it('the failed-connection query is separate: the ports metrics refuse a ConnectionState filter', async () => {
      const client = new MonitorClient(recordingCredential(), {
        endpoint: local.endpoint,
        tlsOptions: { ca: local.ca },
      });
      await expect(
        client.metrics.list(local.loadBalancerId.slice(1), {
          metricnames: 'UsedSnatPorts',
          filter: "BackendIPAddress eq '*' and ConnectionState eq 'failed'",
        }),
      ).rejects.toMatchObject({ statusCode: 400, code: 'BadRequest' });
    });

    it('turns an unknown load balancer into a typed NotFound error', async () => {
      const other = local.loadBalancerId.replace('/kubernetes', '/internal');
      const error = await adapters(local)
        .metrics.usage(other)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AzureNotFoundError);
      expect(error).toMatchObject({ status: 404, code: 'ResourceNotFound' });
    });
  });

  describe('authentication and the load balancer', () => {
    it('answers 401 to a request without a bearer token', async () => {
      const answer = await rawGet(
        local,
        `/subscriptions/00000000-0000-0000-0000-00000000a11c/providers/Microsoft.ContainerService/managedClusters?api-version=2026-06-01`,
      );
      expect(answer).toEqual({
        status: 401,
        body: {
          error: {
            code: 'AuthenticationFailed',
            message: "Authentication failed. The 'Authorization' header is missing.",
          },
        },
      });
    });

    it('a wrong token becomes a typed auth error', async () => {
      const error = await adapters(local, recordingCredential('someone-elses-token'))
        .aks.findCluster({ clusterId: local.clusterId })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AzureAuthError);
      expect(error).toBeInstanceOf(AzureError);
      expect(error).toMatchObject({ status: 401, code: 'InvalidAuthenticationToken' });
      expect((error as Error).message).not.toContain('someone-elses-token');
    });

    it('serves the kubernetes load balancer with every node in its backend pool', async () => {
      const answer = await rawGet(aad, `${aad.loadBalancerId}?api-version=2024-05-01`, 'any-token');
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        id: aad.loadBalancerId,
        name: 'kubernetes',
        type: 'Microsoft.Network/loadBalancers',
      });
      const pools = (
        answer.body as { properties: { backendAddressPools: { name: string; properties: object }[] } }
      ).properties.backendAddressPools;
      expect(pools.map((p) => p.name)).toEqual(['kubernetes', 'aksOutboundBackendPool']);
      expect(pools[0]?.properties).toEqual({
        provisioningState: 'Succeeded',
        loadBalancerBackendAddresses: [
          { name: 'aks-nodepool1-1234-vmss000000', properties: { ipAddress: '10.224.0.4' } },
          { name: 'aks-nodepool1-1234-vmss000001', properties: { ipAddress: '10.224.0.5' } },
          { name: 'aks-nodepool1-1234-vmss000002', properties: { ipAddress: '10.224.0.6' } },
        ],
      });
      expect(aad.loadBalancerId).toBe(
        '/subscriptions/00000000-0000-0000-0000-00000000a11c/resourceGroups/MC_RG-Entra_aks-entra_westeurope/providers/Microsoft.Network/loadBalancers/kubernetes',
      );
    });

    it('answers 404 with an ARM error body for anything it does not know', async () => {
      const answer = await rawGet(
        aad,
        `/subscriptions/00000000-0000-0000-0000-00000000a11c/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm?api-version=1`,
        't',
      );
      expect(answer).toEqual({
        status: 404,
        body: {
          error: {
            code: 'ResourceNotFound',
            message:
              "The Resource '/subscriptions/00000000-0000-0000-0000-00000000a11c/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm' was not found.",
          },
        },
      });
    });
  });
});
