/**
 * The whole responder against the built-in scenario with its alerting node on each OS image AKS runs
 * (src/sim/node-images.ts): what the debug pod finds there decides what the finding can say.
 */
import type { NodeImageName } from '../../src/sim/node-images';
import { DEFAULT_SCENARIO } from '../../src/sim/default-scenario';
import type { Scenario } from '../../src/sim/scenario';
import { figures, investigateSim } from '../helpers/sim-investigation';

function onImage(image: NodeImageName): Scenario {
  return {
    ...DEFAULT_SCENARIO,
    nodes: DEFAULT_SCENARIO.nodes.map((n, i) => (i === 0 ? { ...n, image } : n)),
  };
}

describe('the responder on every node image', () => {
  it.each<NodeImageName>(['ubuntu2204', 'ubuntu2404', 'azurelinux3'])(
    '%s: traced and read whole, the culprit with exact counts',
    async (image) => {
      const { finding, files } = await investigateSim(onImage(image), { clockScale: 4 });
      expect(finding.status).toBe('complete');
      expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
      expect(figures(finding, 'shop/checkout-5d8f7')).toEqual([322, 312, 88, 86]);
      // /proc/uptime counts hundredths: each figure is good to 0.01 s.
      expect(finding.trace?.windowSeconds).toBeGreaterThanOrEqual(1.99);
      expect(finding.trace?.startupSeconds).toBeGreaterThanOrEqual(1.99);
      expect(files('commands.txt')).toContain('chroot /host lsns -t net -J');
      expect(JSON.parse(files('debug-pod.json') ?? '{}')).toMatchObject({ kind: 'Pod' });
    },
    30_000,
  );

  it("nobcc: no trace, saying why in the tool's words; the sockets and the correlation still read", async () => {
    const { finding } = await investigateSim(onImage('nobcc'), { clockScale: 4 });
    expect(finding.status).toBe('partial');
    expect(finding.trace).toBeNull();
    expect(finding.warnings[0]).toBe(
      "no trace: bcc's tools are not installed on this node (no /usr/share/bcc/tools/tcptracer): \"python3: can't open file '/usr/share/bcc/tools/tcptracer': [Errno 2] No such file or directory\"; install bcc-tools on the node image, or read the trace by hand as the runbook does; the node's sockets and pods were still read",
    );
    expect(finding.culprit).toEqual({ namespace: 'shop', name: 'checkout-5d8f7' });
    expect(figures(finding, 'shop/checkout-5d8f7')).toEqual([322, 312, 0, 0]);
  }, 30_000);

  it("windows2022: no debug pod; the runbook's Windows steps and the SNAT figures", async () => {
    const { finding, archive } = await investigateSim(onImage('windows2022'), { clockScale: 4 });
    expect(finding.status).toBe('partial');
    expect(finding.trace).toBeNull();
    expect(finding.pods).toEqual([]);
    expect(finding.snat?.allocatedPorts).toBe(1024);
    expect(finding.warnings).toEqual([
      "node aks-nodepool1-12345678-vmss000000 runs Windows (Windows Server 2022 Datacenter): bcc's tcptracer is Linux-only, so no debug pod was started and nothing was traced",
      'by hand, as the runbook does for Windows pods: list the node\'s pods with `kubectl get pods -A -o wide --field-selector spec.nodeName=aks-nodepool1-12345678-vmss000000`, then in each `kubectl exec -it -n <namespace> <pod> -- cmd.exe` and `netstat -aon | find /i "established"`; the pod with the most ESTABLISHED connections to public IPs is the likely culprit',
    ]);
    expect(archive).not.toContain('debug-pod.json');
  }, 30_000);

  it.each([
    [
      'kernelHeadersMissing',
      /^no trace: tcptracer could not compile its BPF program \(tcptracer exited 1\): "Unable to find kernel headers\. .* … Exception: Failed to compile BPF module <text>"; the node needs the kernel headers/,
    ],
    [
      'oomKilled',
      /^no trace: tcptracer was killed \(SIGKILL, exit 137\) before it traced, most likely by the OOM killer/,
    ],
  ] as const)(
    "a BPF compile that fails (%s) is no quiet node: partial, the tool's words, sockets read",
    async (fault, why) => {
      const { finding } = await investigateSim(
        { ...DEFAULT_SCENARIO, faults: { tracer: fault } },
        { clockScale: 4 },
      );
      expect(finding.status).toBe('partial');
      expect(finding.trace).toBeNull();
      expect(finding.warnings[0]).toMatch(why);
      expect(figures(finding, 'shop/checkout-5d8f7')).toEqual([322, 312, 0, 0]);
    },
    30_000,
  );
});
