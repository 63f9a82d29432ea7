import type { ActivityInput, ActivityName, ActivityOutput } from '../activities/registry';

/** Run one activity; the driver hands back its output, or throws its error into the workflow. */
export interface CallInstruction {
  readonly kind: 'call';
  readonly activity: ActivityName;
  readonly input: unknown;
}

/** Wait, without holding anything: a Durable timer in Azure, a sleep (with progress lines) in the CLI. */
export interface TimerInstruction {
  readonly kind: 'timer';
  readonly seconds: number;
  /** What the wait is for, in progress lines: `tracing` gives `tracing 3/30 s`. */
  readonly label: string;
}

/**
 * What the workflow asks of its driver. The workflow itself does no I/O and reads no clock, so the
 * Durable driver can replay it; the local driver runs the same instructions directly.
 */
export type Instruction =
  | CallInstruction
  | TimerInstruction
  /** All at once; the results come back in order (a timer's is undefined). */
  | { readonly kind: 'all'; readonly parts: readonly (CallInstruction | TimerInstruction)[] }
  /** Where the investigation is, for a person watching (custom status in Azure, stderr in the CLI). */
  | { readonly kind: 'status'; readonly text: string };

export type Flow<T> = Generator<Instruction, T, unknown>;

/** A call not yet made, carrying its output type for `all`. */
export interface Step<N extends ActivityName> extends CallInstruction {
  readonly activity: N;
  readonly output?: ActivityOutput<N>;
}

export function step<N extends ActivityName>(activity: N, input: ActivityInput<N>): Step<N> {
  return { kind: 'call', activity, input };
}

export function timer(seconds: number, label: string): TimerInstruction {
  return { kind: 'timer', seconds, label };
}

export function* call<N extends ActivityName>(activity: N, input: ActivityInput<N>): Flow<ActivityOutput<N>> {
  return (yield step(activity, input)) as ActivityOutput<N>;
}

type OutputOf<P> = P extends Step<infer N> ? ActivityOutput<N> : undefined;

/** Calls and timers run together: done when all are, results in order. */
export function* all<P extends readonly (Step<ActivityName> | TimerInstruction)[]>(
  ...parts: P
): Flow<{ -readonly [K in keyof P]: OutputOf<P[K]> }> {
  return (yield { kind: 'all', parts }) as { -readonly [K in keyof P]: OutputOf<P[K]> };
}

export function* status(text: string): Flow<void> {
  yield { kind: 'status', text };
}
