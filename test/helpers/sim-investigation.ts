import { AzureAccess } from '../../src/adapters/azure/azure-access';
import { KubeAccess } from '../../src/adapters/kube/kube-access';
import type { Finding } from '../../src/core/finding';
import type { Scenario } from '../../src/sim/scenario';
import { SIM_DEBUG_NAMESPACE, startSimCluster } from '../../src/sim/sim-cluster';
import { simCredential } from '../../src/sim/sim-credential';
import { investigate } from '../../src/workflow/local-driver';
import { MemoryArchives } from './memory-archive';

/**
 * The responder against a simulated cluster, end to end: real SDK and client-node over real sockets, the
 * local driver, the archive in memory. No debug pod may be left.
 */
export async function investigateSim(
  scenario: Scenario,
  options: { readonly nodeIp?: string; readonly clockScale?: number } = {},
): Promise<{ finding: Finding; archive: string[]; files: (path: string) => string | undefined }> {
  const sim = await startSimCluster(scenario, {
    startDelayMs: 20,
    ...(options.clockScale === undefined ? {} : { clockScale: options.clockScale }),
  });
  try {
    const credential = simCredential(sim.token);
    const archives = new MemoryArchives();
    let folder = '';
    const finding = await investigate(
      {
        investigationId: 'e2e',
        cluster: { clusterId: sim.arm.clusterId },
        node: { ip: options.nodeIp ?? sim.alertNodeIp },
        traceSeconds: 2,
        requestedAt: new Date().toISOString(),
      },
      {
        azure: new AzureAccess({ credential, endpoint: sim.arm.endpoint, tlsOptions: { ca: sim.arm.ca } }),
        kube: (kubeconfig) => new KubeAccess({ kubeconfig }),
        archive: (name) => {
          folder = name;
          return archives.folder(name);
        },
        debugNamespace: SIM_DEBUG_NAMESPACE,
        debugImage: 'busybox',
      },
    );
    expect(sim.kube.pods().filter((p) => p.metadata?.namespace === SIM_DEBUG_NAMESPACE)).toEqual([]);
    return {
      finding,
      archive: archives.paths(folder),
      files: (path) => archives.files.get(`${folder}/${path}`),
    };
  } finally {
    await sim.close();
  }
}

/** A pod's [ESTABLISHED, public ESTABLISHED, traced connects, traced public connects]. */
export function figures(finding: Finding, name: string) {
  const pod = finding.pods.find((p) => `${p.namespace}/${p.name}` === name);
  return pod && [pod.established, pod.publicEstablished, pod.tracedConnects, pod.tracedPublicConnects];
}
