import { oneLine } from '../core/errors';
import { staleDebugPods } from '../core/stale-debug-pods';
import type { ClusterRef, StepPorts } from '../workflow/ports';

/**
 * Deletes responder debug pods that outlived their investigation, in every cluster given (those the
 * responder touched lately). One line per pod deleted or cluster that could not be swept; it never throws,
 * so one unreachable cluster does not keep the others from being swept.
 */
export async function sweepDebugPods(
  clusters: readonly ClusterRef[],
  ports: Pick<StepPorts, 'azure' | 'kube' | 'debugNamespace'>,
  now: Date,
): Promise<string[]> {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const ref of clusters) {
    const key = JSON.stringify(ref).toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    let name = 'clusterId' in ref ? ref.clusterId : ref.nodeResourceGroup;
    try {
      const cluster = await ports.azure.findCluster(ref);
      name = cluster.name;
      const kube = ports.kube(await ports.azure.kubeconfig(cluster));
      for (const { pod, why } of staleDebugPods(await kube.debugPods(ports.debugNamespace), now)) {
        await kube.deletePod(pod.namespace, pod.name);
        lines.push(`${name}: deleted ${pod.namespace}/${pod.name} (${why})`);
      }
    } catch (error) {
      lines.push(`${name}: not swept: ${oneLine(error)}`);
    }
  }
  return lines;
}
