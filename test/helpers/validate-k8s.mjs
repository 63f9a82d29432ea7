// Validates Kubernetes objects against the Kubernetes OpenAPI schema with kubernetes-models. It is an
// ES module only (and its types do not resolve under this repository's CommonJS settings), so Jest runs
// it as a child process: a JSON array of objects on stdin, a JSON array of results on stdout.
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Pod } from 'kubernetes-models/v1/Pod';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';

const MODELS = { Namespace, Pod, ClusterRole, ClusterRoleBinding, Role, RoleBinding, DaemonSet };

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const objects = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const results = objects.map((object) => {
  const where = { kind: object?.kind ?? null, name: object?.metadata?.name ?? null };
  const Model = MODELS[object?.kind];
  if (Model === undefined) return { ...where, valid: false, error: `no model for kind ${where.kind}` };
  const model = new Model(object);
  // The constructor fills in apiVersion and kind: an object that says otherwise is no such object.
  if (model.apiVersion !== object.apiVersion) {
    return { ...where, valid: false, error: `apiVersion ${object.apiVersion}, expected ${model.apiVersion}` };
  }
  try {
    model.validate();
    return { ...where, valid: true, error: null };
  } catch (error) {
    return { ...where, valid: false, error: String(error?.message ?? error) };
  }
});
process.stdout.write(JSON.stringify(results));
