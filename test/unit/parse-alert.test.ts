import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { parseSnatAlert } from '../../src/core/parse-alert';

const ALERTS = join(__dirname, '..', 'fixtures', 'alerts');
const LB =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/mc_rg-demo_aks-demo_westeurope/providers/microsoft.network/loadbalancers/kubernetes';

function payload(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ALERTS, file), 'utf8')) as Record<string, unknown>;
}

/** The fired sample with one change at a dotted path. */
function mutated(path: string, value: unknown): unknown {
  const copy = payload('fired-used-snat-ports.json');
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

describe('parseSnatAlert (common alert schema, load balancer SNAT metrics)', () => {
  it('reads a fired UsedSnatPorts alert: the load balancer, its cluster, the node', () => {
    expect(parseSnatAlert(payload('fired-used-snat-ports.json'))).toEqual({
      condition: 'Fired',
      alertId:
        '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.AlertsManagement/alerts/b9569717-bc32-442f-add5-83a997729330',
      rule: 'aks-demo-snat-ports-high',
      firedAt: '2026-11-22T10:14:32.1234567Z',
      loadBalancerId: LB,
      cluster: {
        subscriptionId: '00000000-0000-0000-0000-000000000000',
        nodeResourceGroup: 'mc_rg-demo_aks-demo_westeurope',
      },
      nodes: [{ ip: '10.224.0.4', metric: 'UsedSnatPorts', value: 1018.5, threshold: '921' }],
    });
  });

  it('gives one node per BackendIPAddress value, whatever other dimensions and criteria there are', () => {
    expect(parseSnatAlert(payload('fired-two-nodes.json')).nodes).toEqual([
      { ip: '10.224.0.4', metric: 'SnatConnectionCount', value: 412, threshold: '0' },
      { ip: '10.224.0.5', metric: 'SnatConnectionCount', value: 37, threshold: '0' },
    ]);
  });

  it('reads a dynamic-threshold alert (no static threshold)', () => {
    expect(parseSnatAlert(payload('fired-dynamic-threshold.json')).nodes).toEqual([
      { ip: '10.224.0.4', metric: 'UsedSnatPorts', value: 1018.5, threshold: null },
    ]);
  });

  it('reads a resolved alert as asking for nothing', () => {
    const alert = parseSnatAlert(payload('resolved.json'));
    expect([alert.condition, alert.nodes]).toEqual(['Resolved', []]);
  });

  it.each([
    ['schemaId', 'AzureMonitorMetricAlert', 'not a SNAT alert: schemaId: not the common alert schema'],
    [
      'data.essentials.signalType',
      'Log',
      'not a SNAT alert: data.essentials.signalType: only metric alerts start investigations',
    ],
    ['data.essentials.monitorCondition', 'Maybe', 'data.essentials.monitorCondition'],
    [
      'data.essentials.alertTargetIDs',
      ['/subscriptions/0/resourceGroups/rg/providers/Microsoft.Web/sites/shop'],
      'not a SNAT alert: data.essentials.alertTargetIDs: no load balancer among /subscriptions/0/resourceGroups/rg/providers/Microsoft.Web/sites/shop',
    ],
    [
      'data.essentials.alertTargetIDs',
      ['/subscriptions/0/resourceGroups/../providers/Microsoft.Network/loadBalancers/kubernetes'],
      "not a Microsoft.Network/loadBalancers resource ID: '/subscriptions/0/resourceGroups/../providers/Microsoft.Network/loadBalancers/kubernetes'",
    ],
    ['data.alertContext.condition.allOf', [], 'data.alertContext.condition.allOf'],
    ['data.alertContext', undefined, 'data.alertContext'],
  ])('refuses %s = %j, naming what is wrong', (path, value, message) => {
    expect(() => parseSnatAlert(mutated(path, value))).toThrow(message);
  });

  it.each([
    [
      { metricName: 'ByteCount', dimensions: [{ name: 'BackendIPAddress', value: '10.224.0.4' }] },
      "not a SNAT alert: data.alertContext.condition.allOf.0.metricName: 'ByteCount' is not one of UsedSnatPorts, AllocatedSnatPorts, SnatConnectionCount",
    ],
    [
      { metricName: 'UsedSnatPorts', dimensions: [] },
      'not a SNAT alert: data.alertContext.condition.allOf.0.dimensions: no BackendIPAddress (split the alert rule by BackendIPAddress, one alert per node)',
    ],
    [
      {
        metricName: 'UsedSnatPorts',
        dimensions: [{ name: 'BackendIPAddress', value: '10.224.0.4; rm -rf /' }],
      },
      "not a SNAT alert: data.alertContext.condition.allOf.0.dimensions: BackendIPAddress '10.224.0.4; rm -rf /' is not an IP address",
    ],
    [
      // parseIp takes a zone as the tools print it; a zone is free text, and a node IP has none
      { metricName: 'UsedSnatPorts', dimensions: [{ name: 'BackendIPAddress', value: 'fe80::1%;id' }] },
      "not a SNAT alert: data.alertContext.condition.allOf.0.dimensions: BackendIPAddress 'fe80::1%;id' is not an IP address",
    ],
  ])('refuses a criterion %j', (criterion, message) => {
    expect(() => parseSnatAlert(mutated('data.alertContext.condition.allOf', [criterion]))).toThrow(message);
  });
});

describe('aks-snat alert FILE (the webhook parsing, as a dry run)', () => {
  async function run(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await main(['alert', ...argv], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    });
    return { code, stdout, stderr };
  }

  it('prints the investigations it would start', async () => {
    expect(await run(join(ALERTS, 'fired-two-nodes.json'))).toEqual({
      code: 0,
      stdout: [
        `Fired: aks-demo-snat-failed-connections on ${LB}`,
        'cluster: the one with node resource group mc_rg-demo_aks-demo_westeurope (subscription 00000000-0000-0000-0000-000000000000)',
        'would start 2 investigations:',
        '  node 10.224.0.4: SnatConnectionCount 412 (threshold 0)',
        '  node 10.224.0.5: SnatConnectionCount 37 (threshold 0)',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('prints the parsed alert with --json', async () => {
    const { code, stdout } = await run(join(ALERTS, 'resolved.json'), '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ condition: 'Resolved', nodes: [] });
  });

  it.each([
    [[], 'aks-snat alert: an alert payload FILE is required (usage: aks-snat alert FILE [--json])\n'],
    [['/no/such/alert.json'], 'aks-snat alert: alert payload file not found: /no/such/alert.json\n'],
    [[join(__dirname, '..', 'fixtures', 'samples', 'netstat-ptn.txt')], 'is not JSON'],
    [[join(ALERTS, '..', 'scenarios', 'ipv6-culprit.json')], 'aks-snat alert: not a SNAT alert: schemaId'],
  ])('exits 2 with one line for %j', async (argv, message) => {
    const { code, stdout, stderr } = await run(...argv);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toContain(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
