import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface K8sValidation {
  readonly kind: string | null;
  readonly name: string | null;
  readonly valid: boolean;
  readonly error: string | null;
}

/**
 * Validates objects against the Kubernetes schema through kubernetes-models, in a child Node process (the
 * package is ES-module only; see validate-k8s.mjs). One result per object, in order.
 */
export function validateK8s(objects: readonly unknown[]): K8sValidation[] {
  const run = spawnSync(process.execPath, [join(__dirname, 'validate-k8s.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (run.status !== 0) throw new Error(`validate-k8s.mjs exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as K8sValidation[];
}
