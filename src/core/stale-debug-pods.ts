/** A responder debug pod as the sweeper sees it. */
export interface DebugPodInfo {
  readonly namespace: string;
  readonly name: string;
  readonly createdAt: string;
  readonly deadlineSeconds: number | null;
  readonly phase: string;
}

/**
 * The debug pods to delete: finished ones, and any past its own deadline (Kubernetes stops a pod at
 * activeDeadlineSeconds but keeps its object; a pod without a deadline is not one of ours to judge, and an
 * investigation in progress is left alone).
 */
export function staleDebugPods(
  pods: readonly DebugPodInfo[],
  now: Date,
): { readonly pod: DebugPodInfo; readonly why: string }[] {
  const stale: { pod: DebugPodInfo; why: string }[] = [];
  for (const pod of pods) {
    if (pod.phase === 'Succeeded' || pod.phase === 'Failed') {
      stale.push({ pod, why: `phase ${pod.phase}` });
      continue;
    }
    const created = Date.parse(pod.createdAt);
    if (pod.deadlineSeconds === null || Number.isNaN(created)) continue;
    const overdue = now.getTime() - (created + pod.deadlineSeconds * 1000);
    if (overdue > 0) stale.push({ pod, why: `${Math.round(overdue / 1000)} s past its deadline` });
  }
  return stale;
}
