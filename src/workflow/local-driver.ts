import { runActivity } from '../activities/registry';
import type { Finding } from '../core/finding';
import type { CallInstruction, Flow, Instruction, TimerInstruction } from './instructions';
import { investigation, type InvestigationRequest } from './investigation';
import type { AzurePort, ClusterInfo, KubePort, StepPorts } from './ports';

/**
 * The CLI's driver: runs the workflow's instructions in this process. Activity outputs go through JSON,
 * as Durable's history would take them, so what works here cannot lean on anything that does not
 * survive there.
 */
export async function runLocally<T>(flow: Flow<T>, ports: StepPorts): Promise<T> {
  const kubes = new Map<string, KubePort>();
  const local: StepPorts = {
    ...ports,
    azure: rememberingKubeconfig(ports.azure),
    kube: (kubeconfig) => {
      let kube = kubes.get(kubeconfig);
      if (kube === undefined) {
        kube = ports.kube(kubeconfig);
        kubes.set(kubeconfig, kube);
      }
      return kube;
    },
  };
  let next = flow.next();
  while (next.done !== true) {
    let outcome: { value: unknown } | { error: unknown };
    try {
      outcome = { value: await perform(next.value, local) };
    } catch (error) {
      outcome = { error };
    }
    next = 'error' in outcome ? flow.throw(outcome.error) : flow.next(outcome.value);
  }
  return next.value;
}

/** The investigation from a laptop (`aks-snat investigate`, `demo`): the same workflow as in Azure. */
export function investigate(request: InvestigationRequest, ports: StepPorts): Promise<Finding> {
  return runLocally(investigation(request), ports);
}

async function perform(instruction: Instruction, ports: StepPorts): Promise<unknown> {
  switch (instruction.kind) {
    case 'call':
      return runCall(instruction, ports);
    case 'timer':
      return wait(instruction, ports);
    case 'all': {
      // Every part runs to its end (no timer left printing after a failure), then the first error wins.
      const settled = await Promise.allSettled(
        instruction.parts.map((part) => (part.kind === 'call' ? runCall(part, ports) : wait(part, ports))),
      );
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      return settled.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
    }
    case 'status':
      ports.progress?.(instruction.text);
      return undefined;
  }
}

async function runCall({ activity, input }: CallInstruction, ports: StepPorts): Promise<unknown> {
  const output = await runActivity(activity, input, ports);
  return output === undefined ? undefined : (JSON.parse(JSON.stringify(output)) as unknown);
}

/** A timer run out here, with a progress line a second for whoever watches (`tracing 3/30 s`). */
async function wait({ seconds, label }: TimerInstruction, ports: StepPorts): Promise<void> {
  const started = Date.now();
  for (let second = 0; second < seconds; second++) {
    ports.progress?.(`${label} ${second}/${seconds} s`);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, started + (second + 1) * 1000 - Date.now())),
    );
  }
  ports.progress?.(`${label} ${seconds}/${seconds} s`);
}

/**
 * One kubeconfig per cluster for the whole run: every Kubernetes step asks for it (in Azure each
 * activity fetches its own, since nothing secret may pass between them), and on a laptop once is enough.
 */
function rememberingKubeconfig(azure: AzurePort): AzurePort {
  const kubeconfigs = new Map<string, Promise<string>>();
  return {
    findCluster: (ref) => azure.findCluster(ref),
    snatUsage: (cluster) => azure.snatUsage(cluster),
    kubeconfig: (cluster: ClusterInfo) => {
      let kubeconfig = kubeconfigs.get(cluster.id);
      if (kubeconfig === undefined) {
        kubeconfig = azure.kubeconfig(cluster);
        kubeconfigs.set(cluster.id, kubeconfig);
        kubeconfig.catch(() => kubeconfigs.delete(cluster.id));
      }
      return kubeconfig;
    },
  };
}
