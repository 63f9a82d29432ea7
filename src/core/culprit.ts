import type { Finding, RankedPod } from './finding';

/** The culprit's row in the ranking, with its counts and evidence; undefined when there is none. */
export function culpritOf(finding: Pick<Finding, 'pods' | 'culprit'>): RankedPod | undefined {
  const culprit = finding.culprit;
  if (culprit === null) return undefined;
  return finding.pods.find((pod) => pod.namespace === culprit.namespace && pod.name === culprit.name);
}
