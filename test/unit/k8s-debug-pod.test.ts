import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import {
  DEBUG_POD_LABELS,
  DEFAULT_DEBUG_IMAGE,
  DEFAULT_DEBUG_NAMESPACE,
  debugPodSpec,
} from '../../src/adapters/kube/debug-pod';
import { validateK8s } from '../helpers/k8s-schema';

/** The namespace infra/k8s/ creates and grants pods in. */
const grantedNamespace = (
  parse(readFileSync(join(__dirname, '../../infra/k8s/00-namespace.yaml'), 'utf8')) as {
    metadata: { name: string };
  }
).metadata.name;

// Whatever debugPodSpec returns today: the spec is validated as the app generates it, not as a copy. The
// options are a variable, not a literal, so that fields the function does not take (yet) are no error.
const options = {
  investigationId: 'alert-0f3c2a/10.224.0.4',
  nodeName: 'aks-nodepool1-12345678-vmss000000',
  namespace: DEFAULT_DEBUG_NAMESPACE,
  image: DEFAULT_DEBUG_IMAGE,
  traceSeconds: 30,
  runId: '2026-11-22T10:14:32.000Z',
};
const pod: V1Pod = debugPodSpec(options);
// client-node's types may hold Date objects; the API server (and the schema) sees JSON.
const asJson = JSON.parse(JSON.stringify(pod)) as Record<string, unknown>;

describe('the debug pod the app generates', () => {
  it('validates against the Kubernetes Pod schema', () => {
    expect(validateK8s([asJson])).toEqual([
      { kind: 'Pod', name: pod.metadata?.name, valid: true, error: null },
    ]);
  });

  it('is rejected once broken (a privileged flag given as text), so the check above means something', () => {
    const spec = asJson.spec as { containers: { securityContext: object }[] };
    const broken = {
      ...asJson,
      spec: { ...spec, containers: [{ ...spec.containers[0], securityContext: { privileged: 'true' } }] },
    };
    const [result] = validateK8s([broken]);
    expect(result?.valid).toBe(false);
    expect(result?.error).toMatch(/privileged must be boolean/);
  });

  it('goes to the namespace infra/k8s/ makes privileged and grants pods in, by default', () => {
    expect(DEFAULT_DEBUG_NAMESPACE).toBe(grantedNamespace);
    expect(pod.metadata?.namespace).toBe(grantedNamespace);
  });

  it('needs what that namespace alone allows, and carries no API credentials of its own', () => {
    // Pod Security "privileged" is the level that admits these; no other namespace is given it.
    expect(pod.spec?.hostPID).toBe(true);
    expect(pod.spec?.hostNetwork).toBe(true);
    expect(pod.spec?.containers.some((c) => c.securityContext?.privileged === true)).toBe(true);
    // The responder acts as its own identity; the pod gets no service account token to act with.
    expect(pod.spec?.automountServiceAccountToken).toBe(false);
    expect(pod.spec?.activeDeadlineSeconds).toBeGreaterThan(30);
  });

  it('carries the labels the sweeper lists in that namespace', () => {
    expect(pod.metadata?.labels).toMatchObject(DEBUG_POD_LABELS);
  });
});
