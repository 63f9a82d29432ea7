import { isMap, isSeq, parseDocument } from 'yaml';
import { AzureError } from './errors';

/** The Entra ID application of the AKS API server; a token for it is what kubelogin would fetch. */
export const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
export const AKS_TOKEN_SCOPE = `${AKS_SERVER_APP_ID}/.default`;

function isKubeloginExec(exec: unknown): boolean {
  if (typeof exec !== 'object' || exec === null) return false;
  const { command, args } = exec as { command?: unknown; args?: unknown };
  const program = typeof command === 'string' ? (command.split(/[\\/]/).pop() ?? '') : '';
  return /^kubelogin(\.exe)?$/i.test(program) || (Array.isArray(args) && args.includes(AKS_SERVER_APP_ID));
}

/**
 * The kubeconfig with every kubelogin `exec` user replaced by a static bearer token, so that no plugin
 * has to run where the responder runs. Everything else (clusters, contexts, comments) stays as it was.
 * Throws AzureError when there is no such user: the service sent a kubeconfig we do not understand.
 */
export function withBearerToken(kubeconfig: string, token: string): string {
  const doc = parseDocument(kubeconfig);
  const users = doc.get('users');
  let replaced = 0;
  if (isSeq(users)) {
    for (const entry of users.items) {
      if (!isMap(entry)) continue;
      const user = entry.get('user');
      if (!isMap(user) || !isKubeloginExec((user.toJSON() as { exec?: unknown }).exec)) continue;
      entry.set('user', doc.createNode({ token }));
      replaced += 1;
    }
  }
  if (replaced === 0) {
    throw new AzureError('the Entra ID cluster kubeconfig has no kubelogin exec user to replace', null, null);
  }
  return doc.toString();
}
