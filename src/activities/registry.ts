import type { z } from 'zod';
import type { StepPorts } from '../workflow/ports';
import { DEFAULT_SPOOL_ROOT, SpoolingArchive, spoolFolderOf } from '../adapters/archive/spooling-archive';
import { parseActivityInput } from './activity';
import { archiveFinding } from './archive-finding';
import { collectTrace } from './collect-trace';
import { deleteDebugPod } from './delete-debug-pod';
import { findNode } from './find-node';
import { inspectNode } from './inspect-node';
import { postCard } from './post-card';
import { resolveCluster } from './resolve-cluster';
import { snatUsage } from './snat-usage';
import { startTrace } from './start-trace';

/** Every activity of the investigation, by name: what the Durable app registers and the CLI runs. */
export const ACTIVITIES = {
  resolveCluster,
  findNode,
  startTrace,
  snatUsage,
  collectTrace,
  inspectNode,
  deleteDebugPod,
  archiveFinding,
  postCard,
} as const;

export type ActivityName = keyof typeof ACTIVITIES;
export type ActivityInput<N extends ActivityName> = z.input<(typeof ACTIVITIES)[N]['input']>;
export type ActivityOutput<N extends ActivityName> = Awaited<ReturnType<(typeof ACTIVITIES)[N]['run']>>;

interface AnyActivity {
  readonly name: string;
  readonly input: z.ZodType;
  readonly run: (input: never, ports: StepPorts) => Promise<unknown>;
}

/** Runs an activity by name on an input from outside (Durable's history, or the local driver): checked first. */
export async function runActivity(name: ActivityName, input: unknown, ports: StepPorts): Promise<unknown> {
  const activity: AnyActivity = ACTIVITIES[name];
  const parsed = parseActivityInput(activity, input) as never;
  return activity.run(parsed, { ...ports, archive: spooled(ports) });
}

/** Every step's archive keeps what it cannot write, rather than lose an incident's raw outputs. */
function spooled(ports: StepPorts): (folder: string) => SpoolingArchive {
  const root = ports.spoolRoot ?? DEFAULT_SPOOL_ROOT;
  return (folder) => new SpoolingArchive(ports.archive(folder), spoolFolderOf(root, folder));
}
