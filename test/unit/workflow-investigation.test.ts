import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActivityName } from '../../src/activities/registry';
import { aggregateTrace } from '../../src/core/aggregate-trace';
import { IpClassifier } from '../../src/core/classify-ip';
import type { Finding } from '../../src/core/finding';
import type { Instruction } from '../../src/workflow/instructions';
import { archiveFolder, investigation, type InvestigationRequest } from '../../src/workflow/investigation';
import type { ClusterInfo } from '../../src/workflow/ports';
import { STEPS } from '../helpers/investigation-steps';

const CLUSTER: ClusterInfo = {
  id: '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-demo',
  name: 'aks-demo',
  resourceGroup: 'rg-shop',
  subscriptionId: '00000000-0000-0000-0000-000000000001',
  nodeResourceGroup: 'MC_rg-shop_aks-demo_westeurope',
  aadEnabled: true,
  outbound: { type: 'loadBalancer', outboundIps: 1, allocatedOutboundPorts: 1024, idleTimeoutMinutes: 30 },
  nodeCount: 3,
};

const REQUEST: InvestigationRequest = {
  investigationId: 'inv-1',
  cluster: { clusterId: CLUSTER.id },
  node: { ip: '10.224.0.4' },
  traceSeconds: 30,
  requestedAt: '2026-11-22T10:15:00.123Z',
};

const TRACE = aggregateTrace(
  readFileSync(join(__dirname, '..', 'fixtures', 'samples', 'tcptracer-t4v.txt'), 'utf8'),
  new IpClassifier(),
);

const PODS = [
  { namespace: 'shop', name: 'checkout-5d8f7', ips: ['10.244.1.7'], hostNetwork: false },
  { namespace: 'shop', name: 'cart-7c9d4', ips: ['10.244.1.9'], hostNetwork: false },
];

/** The steps when nothing was traced: no window to wait, no trace to collect. */
const WITHOUT_TRACE = [
  'resolveCluster',
  'findNode',
  'startTrace',
  'snatUsage',
  'inspectNode',
  'deleteDebugPod',
  'archiveFinding',
  'postCard',
];

/** startTrace's output when it did not trace: the pod did not run (`problem`) or tcptracer did not (`traceProblem`). */
function untraced(why: { problem?: string; traceProblem?: string }) {
  return {
    pods: PODS,
    problem: why.problem ?? null,
    traceProblem: why.traceProblem ?? null,
    bannerAt: null,
    startupSeconds: null,
    commands: [],
  };
}

type Responses = Partial<Record<ActivityName, (input: unknown) => unknown>>;

/** Outputs as the real activities give them on a node where checkout holds 300 public sockets. */
const HAPPY: Required<Responses> = {
  resolveCluster: () => CLUSTER,
  findNode: () => ({ name: 'aks-nodepool1-12345678-vmss000000', ip: '10.224.0.4', nodeCount: 3 }),
  startTrace: () => ({
    pods: PODS,
    problem: null,
    traceProblem: null,
    bannerAt: 1000.5,
    startupSeconds: 3.2,
    commands: [{ step: 'startTrace', where: 'debug pod', argv: ['sh', '-c', 'probe'], exitCode: 0 }],
  }),
  snatUsage: () => ({ usage: { usedPorts: 1000, allocatedPorts: 1024, failedConnections: 17 } }),
  collectTrace: () => ({ trace: TRACE, windowSeconds: 30.02, problem: null, commands: [] }),
  inspectNode: () => ({
    evidence: {
      netnsPods: [{ netns: 4026532785, pod: { namespace: 'shop', name: 'checkout-5d8f7' } }],
      pidPods: [],
      hostNetns: 4026531992,
    },
    sockets: [
      {
        pod: { namespace: 'shop', name: 'checkout-5d8f7' },
        reading: {
          kind: 'counted',
          counts: {
            established: 310,
            publicEstablished: 300,
            notOwned: 0,
            destinations: [{ daddr: '20.50.2.10', dport: 443, public: true, established: 300 }],
          },
        },
      },
      { pod: { namespace: 'shop', name: 'cart-7c9d4' }, reading: { kind: 'failed', reason: 'cat exited 1' } },
    ],
    problems: [],
    commands: [],
  }),
  deleteDebugPod: () => ({ deleted: 'aks-snat-responder/aks-snat-debug-0123456789ab' }),
  archiveFinding: () => ({ location: 'https://archive.example/snat-findings/aks-demo/x/', warnings: [] }),
  postCard: () => ({ posted: true, attempts: 1, reason: null }),
};

/**
 * Drives the workflow the way both real drivers do (outputs through JSON, errors thrown in), recording
 * every instruction.
 */
function drive(responses: Responses, request: InvestigationRequest = REQUEST) {
  const answers = { ...HAPPY, ...responses };
  const instructions: Instruction[] = [];
  const calls: { activity: ActivityName; input: unknown }[] = [];
  const answer = (activity: ActivityName, input: unknown): unknown => {
    calls.push({ activity, input });
    return JSON.parse(JSON.stringify(answers[activity](input))) as unknown;
  };
  const flow = investigation(request);
  let next = flow.next();
  while (next.done !== true) {
    const instruction = next.value;
    instructions.push(instruction);
    let outcome: { value: unknown } | { error: unknown };
    try {
      switch (instruction.kind) {
        case 'call':
          outcome = { value: answer(instruction.activity, instruction.input) };
          break;
        case 'all':
          outcome = {
            value: instruction.parts.map((part) =>
              part.kind === 'call' ? answer(part.activity, part.input) : undefined,
            ),
          };
          break;
        default:
          outcome = { value: undefined };
      }
    } catch (error) {
      outcome = { error };
    }
    next = 'error' in outcome ? flow.throw(outcome.error) : flow.next(outcome.value);
  }
  return { finding: next.value, instructions, calls, names: calls.map((c) => c.activity) };
}

function fail(message: string) {
  return () => {
    throw new Error(message);
  };
}

describe('the investigation workflow', () => {
  it('asks for the steps of the runbook in order; metrics, correlation and sockets during the trace window', () => {
    const { instructions, names } = drive({});
    expect(names).toEqual(STEPS);
    expect(names.length).toBeLessThanOrEqual(12);
    const parallel = instructions.find((i) => i.kind === 'all');
    expect(parallel).toEqual({
      kind: 'all',
      parts: [
        { kind: 'call', activity: 'snatUsage', input: { cluster: CLUSTER, nodeIp: '10.224.0.4' } },
        {
          kind: 'call',
          activity: 'inspectNode',
          input: {
            cluster: CLUSTER,
            investigationId: 'inv-1',
            pods: PODS,
            archiveFolder: 'aks-demo/aks-nodepool1-12345678-vmss000000/20261122T101500Z-inv-1',
            privateCidrs: [],
            hostSide: true,
          },
        },
        { kind: 'timer', seconds: 30, label: 'tracing' },
      ],
    });
  });

  it('still reads the trace when the node could not be inspected', () => {
    const { finding, names } = drive({ inspectNode: fail('exec in aks-snat-responder/x failed (HTTP 403)') });
    expect(names).toContain('collectTrace');
    expect(finding.status).toBe('partial');
    expect(finding.trace?.events.connect).toBe(33);
    expect(finding.warnings[0]).toBe('node not inspected: exec in aks-snat-responder/x failed (HTTP 403)');
    expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' }); // by its address
  });

  it('builds the finding from the steps outputs: culprit, counts, SNAT figures, archive', () => {
    const { finding } = drive({});
    expect(finding.status).toBe('partial'); // cart's table was not read
    expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
    expect(finding.pods.map((p) => [p.name, p.established, p.publicEstablished, p.tracedConnects])).toEqual([
      ['checkout-5d8f7', 310, 300, 17],
      ['cart-7c9d4', null, null, 3],
    ]);
    expect(finding.snat).toEqual({
      allocatedPorts: 1024,
      usedPorts: 1000,
      failedConnections: 17,
      portsPerNode: 1024,
      outboundIps: 1,
      maxNodes: 62,
      nodeCount: 3,
    });
    expect(finding.archive).toEqual({ location: 'https://archive.example/snat-findings/aks-demo/x/' });
    expect(finding.warnings).toEqual([
      'tcptracer lost 9 samples: traced counts are lower bounds',
      '2 public connects came from node processes outside any pod: Web Content (pid 33): 1, tokio-runtime-w (pid 912): 1',
    ]);
  });

  it('names the archive folder after the cluster, the node and the request time (DESIGN.md section 4)', () => {
    const { calls } = drive({});
    const folders = calls.flatMap((c) => {
      const folder = (c.input as { archiveFolder?: string }).archiveFolder;
      return folder === undefined ? [] : [folder];
    });
    expect(new Set(folders)).toEqual(
      new Set(['aks-demo/aks-nodepool1-12345678-vmss000000/20261122T101500Z-inv-1']),
    );
    expect(() => archiveFolder({ ...REQUEST, requestedAt: 'yesterday' }, 'aks-demo', 'n')).toThrow(
      'requestedAt is not a time: yesterday',
    );
  });

  it('keeps secrets and big tables out of every instruction: only plain, small JSON', () => {
    const { instructions } = drive({});
    for (const instruction of instructions) {
      expect(JSON.parse(JSON.stringify(instruction))).toEqual(instruction);
    }
    expect(JSON.stringify(instructions)).not.toMatch(/kubeconfig|token|password/i);
  });

  it('asks for the same instructions on every run: a replay cannot diverge', () => {
    expect(JSON.stringify(drive({}).instructions)).toBe(JSON.stringify(drive({}).instructions));
  });

  it('fails, naming the IP, and archives that when no node has the alert IP; no debug pod is made', () => {
    const { finding, names, calls } = drive({ findNode: () => null });
    expect(names).toEqual(['resolveCluster', 'findNode', 'archiveFinding', 'postCard']);
    expect(calls[2]?.input).toMatchObject({ archiveFolder: 'aks-demo/10.224.0.4/20261122T101500Z-inv-1' });
    expect(finding.status).toBe('failed');
    expect(finding.warnings).toEqual(['no node of cluster aks-demo has InternalIP 10.224.0.4']);
    expect(finding.archive).not.toBeNull();
  });

  it('fails with the reason when the cluster cannot be found, and asks for nothing more', () => {
    const { finding, names } = drive({
      resolveCluster: fail('get managed cluster rg-shop/aks-demo failed (HTTP 404)'),
    });
    expect(names).toEqual(['resolveCluster']);
    expect(finding).toMatchObject({
      status: 'failed',
      cluster: null,
      warnings: [`cluster ${CLUSTER.id}: get managed cluster rg-shop/aks-demo failed (HTTP 404)`],
    });
  });

  it('deletes the debug pod and gives a partial finding when the trace cannot be read', () => {
    const { finding, names } = drive({
      collectTrace: fail('following the log of aks-snat-responder/x failed (HTTP 500)'),
    });
    expect(names).toEqual(STEPS);
    expect(finding.status).toBe('partial');
    expect(finding.trace).toBeNull();
    expect(finding.pods.map((p) => [p.name, p.publicEstablished])).toEqual([
      ['checkout-5d8f7', 300],
      ['cart-7c9d4', null],
    ]);
    expect(finding.warnings).toEqual(['following the log of aks-snat-responder/x failed (HTTP 500)']);
  });

  it('without a debug pod: no trace and no wait, but the sockets by kubectl exec, the SNAT metrics, and the pod deleted', () => {
    const { finding, names, calls } = drive({
      startTrace: () => untraced({ problem: 'debug pod aks-snat-responder/x not running after 120 s' }),
    });
    expect(names).toEqual(WITHOUT_TRACE);
    expect(calls.find((c) => c.activity === 'inspectNode')?.input).toMatchObject({ hostSide: false });
    expect(finding.status).toBe('partial');
    expect(finding.trace).toBeNull();
    expect(finding.snat?.usedPorts).toBe(1000);
    expect(finding.warnings[0]).toBe('no trace: debug pod aks-snat-responder/x not running after 120 s');
  });

  it("a trace that did not run is never a quiet node: partial, the tool's words, the host side still read", () => {
    const failure =
      "no trace: bcc's tools are not installed on this node (no /usr/share/bcc/tools/tcptracer): \"python3: can't open file '/usr/share/bcc/tools/tcptracer': [Errno 2] No such file or directory\"";
    const { finding, names, calls } = drive({
      startTrace: () => untraced({ traceProblem: failure }),
    });
    expect(names).toEqual(WITHOUT_TRACE);
    expect(calls.find((c) => c.activity === 'inspectNode')?.input).toMatchObject({ hostSide: true });
    expect(finding.status).toBe('partial');
    expect(finding.trace).toBeNull();
    expect(finding.warnings[0]).toBe(failure);
    // The sockets were read all the same: the culprit by its public ESTABLISHED.
    expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
  });

  it('gives the seconds traced and the start-up the pod measured, and every node-side command to the archive', () => {
    const { finding, calls } = drive({});
    expect(finding.trace).toMatchObject({ windowSeconds: 30.02, startupSeconds: 3.2 });
    expect(calls.find((c) => c.activity === 'archiveFinding')?.input).toMatchObject({
      commands: [{ step: 'startTrace', where: 'debug pod', argv: ['sh', '-c', 'probe'], exitCode: 0 }],
    });
  });

  it("a Windows node gets no debug pod: the runbook's Windows steps instead, and the SNAT figures", () => {
    const { finding, names } = drive({
      findNode: () => ({
        name: 'akswin000000',
        ip: '10.224.0.9',
        nodeCount: 3,
        os: 'windows',
        osImage: 'Windows Server 2022 Datacenter',
      }),
    });
    expect(names).toEqual(['resolveCluster', 'findNode', 'snatUsage', 'archiveFinding', 'postCard']);
    expect(finding.status).toBe('partial');
    expect(finding.trace).toBeNull();
    expect(finding.snat?.usedPorts).toBe(1000);
    expect(finding.warnings).toEqual([
      "node akswin000000 runs Windows (Windows Server 2022 Datacenter): bcc's tcptracer is Linux-only, so no debug pod was started and nothing was traced",
      'by hand, as the runbook does for Windows pods: list the node\'s pods with `kubectl get pods -A -o wide --field-selector spec.nodeName=akswin000000`, then in each `kubectl exec -it -n <namespace> <pod> -- cmd.exe` and `netstat -aon | find /i "established"`; the pod with the most ESTABLISHED connections to public IPs is the likely culprit',
    ]);
  });

  it('says so when the debug pod could not be deleted', () => {
    const { finding } = drive({
      deleteDebugPod: fail('deleting pod aks-snat-responder/x failed (HTTP 503)'),
    });
    expect(finding.warnings).toContain(
      'debug pod of inv-1 not deleted (the sweeper will): deleting pod aks-snat-responder/x failed (HTTP 503)',
    );
  });

  it('leaves the SNAT figures out, saying why, when the metrics cannot be read', () => {
    const { finding } = drive({
      snatUsage: () => ({ problem: 'metrics of the load balancer failed (HTTP 429)' }),
    });
    expect(finding.snat).toBeNull();
    expect(finding.warnings).toContain(
      'SNAT metrics not read: metrics of the load balancer failed (HTTP 429)',
    );
  });

  it('with the archive down: the card from the finding saying the evidence is kept, then retries minutes apart', () => {
    const { finding, instructions, calls } = drive({
      findNode: () => ({ name: 'aks-nodepool1-12345678-vmss000000', ip: '10.224.0.4', nodeCount: 3 }),
      inspectNode: () => ({ ...(HAPPY.inspectNode(undefined) as object), sockets: [] }),
      archiveFinding: fail('blob storage unavailable'),
    });
    expect(finding.archive).toBeNull();
    expect(finding.warnings.slice(-2)).toEqual([
      'evidence not archived yet: blob storage unavailable; the raw outputs are kept by the responder and archived by a retry (in 1 min, then 5 min, then 15 min)',
      "evidence not archived after 4 tries: the raw outputs stay in the responder's spool",
    ]);
    expect((finding satisfies Finding).status).toBe('partial');
    expect(instructions.filter((i) => i.kind === 'timer').map((i) => 'seconds' in i && i.seconds)).toEqual([
      60, 300, 900,
    ]);
    const card = calls.find((c) => c.activity === 'postCard')?.input as { finding: Finding };
    expect(card.finding.warnings.at(-1)).toMatch(/^evidence not archived yet: blob storage unavailable;/);
  });

  it('archives the evidence on a later try and sends the card that names the archive', () => {
    let tries = 0;
    const { finding, names } = drive({
      archiveFinding: () => {
        if (++tries < 3) throw new Error('blob storage unavailable');
        return {
          location: 'https://archive.example/x/',
          warnings: [
            '2 raw files were kept on fn-1:/tmp/s while the archive was unavailable, and archived by a retry',
          ],
        };
      },
    });
    expect(names.slice(-5)).toEqual([
      'archiveFinding',
      'postCard',
      'archiveFinding',
      'archiveFinding',
      'postCard',
    ]);
    expect(finding.archive).toEqual({ location: 'https://archive.example/x/' });
    expect(finding.warnings).toContain(
      '2 raw files were kept on fn-1:/tmp/s while the archive was unavailable, and archived by a retry',
    );
  });
});
