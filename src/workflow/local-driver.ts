import { runActivity } from '../activities/registry';
import type { Finding } from '../core/finding';
import type { CallInstruction, Flow, Instruction, TimerInstruction } from './instructions';
import { investigation, type InvestigationRequest } from './investigation';
import { ALWAYS_RUN, DeadlineError, DEADLINE_MARGIN_MS, retryDelayMs, STEP_RETRY } from './policy';
import type { AzurePort, ClusterInfo, KubePort, StepPorts } from './ports';

export interface LocalDriverOptions {
  /** Waits (retries, timers): the real clock's by default; tests may make them short. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** New steps stop after this (ms since the epoch); only cleanup, archive and card run past it. */
  readonly deadline?: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The CLI's driver: runs the workflow's instructions in this process. Activity outputs go through JSON,
 * as Durable's history would take them, so what works here cannot lean on anything that does not
 * survive there.
 */
export async function runLocally<T>(
  flow: Flow<T>,
  ports: StepPorts,
  options: LocalDriverOptions = {},
): Promise<T> {
  const driver: Driver = { sleep: options.sleep ?? realSleep, deadline: options.deadline ?? Infinity };
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
      outcome = { value: await perform(next.value, local, driver) };
    } catch (error) {
      outcome = { error };
    }
    next = 'error' in outcome ? flow.throw(outcome.error) : flow.next(outcome.value);
  }
  return next.value;
}

/** The investigation from a laptop (`aks-snat investigate`, `demo`): the same workflow as in Azure. */
export function investigate(
  request: InvestigationRequest,
  ports: StepPorts,
  options: LocalDriverOptions = {},
): Promise<Finding> {
  return runLocally(investigation(request), ports, {
    deadline: Date.now() + request.traceSeconds * 1000 + DEADLINE_MARGIN_MS,
    ...options,
  });
}

interface Driver {
  readonly sleep: (ms: number) => Promise<void>;
  readonly deadline: number;
}

async function perform(instruction: Instruction, ports: StepPorts, driver: Driver): Promise<unknown> {
  switch (instruction.kind) {
    case 'call':
      return runCall(instruction, ports, driver);
    case 'timer':
      return wait(instruction, ports, driver);
    case 'all': {
      // Every part runs to its end (no timer left printing after a failure), then the first error wins.
      const settled = await Promise.allSettled(
        instruction.parts.map((part) =>
          part.kind === 'call' ? runCall(part, ports, driver) : wait(part, ports, driver),
        ),
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

/** A step with Durable's retry policy (STEP_RETRY), refused past the deadline unless it must run. */
async function runCall(
  { activity, input }: CallInstruction,
  ports: StepPorts,
  driver: Driver,
): Promise<unknown> {
  if (Date.now() > driver.deadline && !ALWAYS_RUN.has(activity)) throw new DeadlineError(activity);
  for (let attempt = 1; ; attempt++) {
    try {
      const output = await runActivity(activity, input, ports);
      return output === undefined ? undefined : (JSON.parse(JSON.stringify(output)) as unknown);
    } catch (error) {
      // Bad input is a bug, not the world: no second try, as Durable would only fail the same way.
      if (attempt >= STEP_RETRY.attempts || (error instanceof Error && error.name === 'InputError'))
        throw error;
      ports.progress?.(`${activity} failed (attempt ${attempt} of ${STEP_RETRY.attempts}); retrying`);
      await driver.sleep(retryDelayMs(attempt));
    }
  }
}

/** A timer run out here, with a progress line a second for whoever watches (`tracing 3/30 s`). */
async function wait({ seconds, label }: TimerInstruction, ports: StepPorts, driver: Driver): Promise<void> {
  const started = Date.now();
  for (let second = 0; second < seconds; second++) {
    ports.progress?.(`${label} ${second}/${seconds} s`);
    await driver.sleep(Math.max(0, started + (second + 1) * 1000 - Date.now()));
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
