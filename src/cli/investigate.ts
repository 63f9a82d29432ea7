import { parseArgs } from 'node:util';
import { DirectoryArchive } from '../adapters/archive/directory-archive';
import { AzureAccess } from '../adapters/azure/azure-access';
import { DEFAULT_DEBUG_IMAGE, DEFAULT_DEBUG_NAMESPACE } from '../adapters/kube/debug-pod';
import { KubeAccess } from '../adapters/kube/kube-access';
import { InputError } from '../core/errors';
import { instanceIdFor } from '../functions/starter';
import { parseInvestigationInput } from '../core/investigation-request';
import { investigate } from '../workflow/local-driver';
import { printFinding } from './print-finding';
import type { CliIo } from './io';
import { INVESTIGATE_USAGE } from './usage';

function integerFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new InputError(`--${name} must be a whole number, not '${value}'`);
  return Number(value);
}

/** The runbook against a real cluster, with the engineer's own Azure login (DefaultAzureCredential). */
export async function runInvestigate(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      cluster: { type: 'string' },
      'node-ip': { type: 'string' },
      node: { type: 'string' },
      'trace-seconds': { type: 'string' },
      out: { type: 'string' },
      namespace: { type: 'string' },
      image: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0)
    throw new InputError(`unexpected argument '${positionals[0]}' (usage: ${INVESTIGATE_USAGE})`);
  if (values.cluster === undefined)
    throw new InputError(`--cluster RESOURCE_ID is required (usage: ${INVESTIGATE_USAGE})`);
  const input = parseInvestigationInput({
    clusterResourceId: values.cluster,
    ...(values['node-ip'] === undefined ? {} : { nodeIp: values['node-ip'] }),
    ...(values.node === undefined ? {} : { nodeName: values.node }),
    ...(values['trace-seconds'] === undefined
      ? {}
      : { traceSeconds: integerFlag('trace-seconds', values['trace-seconds']) }),
  });
  const out = values.out ?? `aks-snat-${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}`;
  const archive = new DirectoryArchive(out);
  const cluster = { clusterId: input.clusterResourceId };
  const node = input.nodeIp !== undefined ? { ip: input.nodeIp } : { name: input.nodeName ?? '' };
  const finding = await investigate(
    {
      // The same node of the same cluster is the same investigation from this laptop: a rerun after a crash
      // (Ctrl-C twice, a closed lid) finds the debug pod the first run left and replaces it. Its own prefix
      // keeps it apart from the Functions app's investigation of the same node.
      investigationId: instanceIdFor(cluster, node).replace(/^snat-/, 'cli-'),
      cluster,
      node,
      traceSeconds: input.traceSeconds,
      requestedAt: new Date().toISOString(),
    },
    {
      azure: new AzureAccess(),
      kube: (kubeconfig) => new KubeAccess({ kubeconfig }),
      archive: () => archive,
      debugNamespace: values.namespace ?? DEFAULT_DEBUG_NAMESPACE,
      debugImage: values.image ?? DEFAULT_DEBUG_IMAGE,
      progress: (line) => io.stderr.write(`${line}\n`),
    },
  );
  printFinding(finding, values.json ?? false, io);
  return 0;
}
