/**
 * The Azure Functions app (the package's main): the alert webhook, the rerun and status endpoints, the
 * orchestration and its activities. Settings are checked once, at start.
 */
import {
  app,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
  type Timer,
} from '@azure/functions';
import * as df from 'durable-functions';
import { ACTIVITIES, runActivity, type ActivityName } from '../activities/registry';
import { BlobArchives } from '../adapters/archive/blob-archive';
import { AzureAccess } from '../adapters/azure/azure-access';
import { defaultCredential } from '../adapters/azure/azure-options';
import type * as KubeAccessModule from '../adapters/kube/kube-access';
import { postToTeams } from '../adapters/teams/teams-webhook';
import { INVESTIGATE_SNAT, investigateSnat } from '../orchestrations/investigate-snat';
import type { ClusterRef, StepPorts } from '../workflow/ports';
import { loadConfig } from './config';
import { handleRerun, handleSnatAlert, handleStatus, type TriggerDeps } from './http-handlers';
import { sweepDebugPods } from './sweeper';
import { triggerDeps } from './trigger-deps';

const config = loadConfig(process.env);
const credential = defaultCredential();
const azure = new AzureAccess({ credential });
const archives = new BlobArchives(
  'accountUrl' in config.archive ? { ...config.archive, credential } : config.archive,
);

let kubeModule: typeof KubeAccessModule | null = null;

/**
 * client-node takes ~0.5 s to load: only the activities that reach the cluster pay for it, not the alert
 * webhook's cold start (the action group retries after 10 s).
 */
function kubeAccess(): typeof KubeAccessModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, on purpose
  kubeModule ??= require('../adapters/kube/kube-access') as typeof KubeAccessModule;
  return kubeModule;
}

function stepPorts(context: InvocationContext): StepPorts {
  return {
    azure,
    kube: (kubeconfig) => new (kubeAccess().KubeAccess)({ kubeconfig }),
    archive: (folder) => archives.folder(folder),
    debugNamespace: config.debugNamespace,
    debugImage: config.debugImage,
    progress: (line) => context.log(line),
    ...(config.teamsWebhookUrl === null
      ? {}
      : { teams: (message: unknown) => postToTeams(config.teamsWebhookUrl ?? '', message) }),
  };
}

df.app.orchestration(INVESTIGATE_SNAT, investigateSnat);
for (const name of Object.keys(ACTIVITIES) as ActivityName[]) {
  df.app.activity(name, {
    handler: (input: unknown, context) => runActivity(name, input, stepPorts(context)),
  });
}

type Handler = (
  request: HttpRequest,
  context: InvocationContext,
  deps: TriggerDeps,
) => Promise<HttpResponseInit>;

function withClient(handler: Handler) {
  return (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> =>
    handler(request, context, triggerDeps(context, config));
}

const durableClient = df.input.durableClient();
app.http('snatAlert', {
  route: 'alerts/snat',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [durableClient],
  handler: withClient(handleSnatAlert),
});
app.http('rerunInvestigation', {
  route: 'investigations',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [durableClient],
  handler: withClient(handleRerun),
});
app.http('investigationStatus', {
  route: 'investigations/{id}',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [durableClient],
  handler: withClient(handleStatus),
});

/** Every 10 minutes: debug pods left behind (a crashed host, a lost activity) in clusters touched in 2 days. */
app.timer('sweepDebugPods', {
  schedule: '0 */10 * * * *',
  extraInputs: [durableClient],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const now = new Date();
    const recent = await df
      .getClient(context)
      .getStatusBy({ createdTimeFrom: new Date(now.getTime() - 2 * 86_400_000) });
    const clusters = recent.flatMap((instance) => {
      const cluster = (instance.input as { cluster?: ClusterRef } | null)?.cluster;
      return cluster === undefined ? [] : [cluster];
    });
    for (const line of await sweepDebugPods(clusters, stepPorts(context), now)) context.log(line);
  },
});
