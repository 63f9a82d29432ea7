import type { OrchestrationHandler } from 'durable-functions';
import { ExecutionStartedEvent } from 'durable-functions/lib/src/history/ExecutionStartedEvent';
import { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
import { OrchestratorCompletedEvent } from 'durable-functions/lib/src/history/OrchestratorCompletedEvent';
import { OrchestratorStartedEvent } from 'durable-functions/lib/src/history/OrchestratorStartedEvent';
import { TaskCompletedEvent } from 'durable-functions/lib/src/history/TaskCompletedEvent';
import { TaskFailedEvent } from 'durable-functions/lib/src/history/TaskFailedEvent';
import { TaskScheduledEvent } from 'durable-functions/lib/src/history/TaskScheduledEvent';
import { TimerCreatedEvent } from 'durable-functions/lib/src/history/TimerCreatedEvent';
import { TimerFiredEvent } from 'durable-functions/lib/src/history/TimerFiredEvent';
import {
  createOrchestrator,
  DummyOrchestrationContext,
  DurableOrchestrationInput,
  type OrchestratorState,
} from 'durable-functions/lib/src/util/testingUtils';

const CALL_ACTIVITY = 0;
const CALL_ACTIVITY_WITH_RETRY = 1;
const CREATE_TIMER = 5;

export interface ActivityRun {
  readonly name: string;
  readonly input: unknown;
  readonly attempt: number;
  readonly outcome: 'completed' | 'failed';
}

export interface Replay {
  readonly output: unknown;
  readonly error: string | undefined;
  /** Every activity attempt, in the order the host ran them. */
  readonly runs: readonly ActivityRun[];
  readonly timers: readonly { readonly fireAt: Date }[];
  /** Each custom status the orchestrator set, in order. */
  readonly statuses: readonly unknown[];
  /** How many times the orchestrator function was replayed from the start. */
  readonly episodes: number;
  /** Every activity input and output, and the custom statuses, as the history holds them (JSON). */
  readonly historyText: string;
}

/**
 * A small stand-in for the Durable host, in the way its history works: the orchestrator is run by
 * durable-functions' own executor over the history so far; the actions it asks for are carried out here
 * (activities by `activity`, retried as their RetryOptions say, timers fired at once) and written back as
 * the host writes them (TaskScheduled / TaskCompleted / TaskFailed, TimerCreated / TimerFired, each
 * episode between OrchestratorStarted events); then the orchestrator is replayed from the start.
 */
export async function replay(
  orchestrator: OrchestrationHandler,
  input: unknown,
  activity: (name: string, input: unknown, attempt: number) => Promise<unknown>,
  options: {
    readonly start?: Date;
    readonly instanceId?: string;
    /** How long an activity takes, by name (ms): the orchestration's clock moves on by as much. */
    readonly durations?: Readonly<Record<string, number>>;
  } = {},
): Promise<Replay> {
  const handler = createOrchestrator(orchestrator);
  let now = options.start ?? new Date('2026-11-22T10:15:00Z');
  const at = (id: number) => new HistoryEventOptions(id, now);
  const event = <T>(make: new (o: HistoryEventOptions) => T, id: number, fields: Record<string, unknown>) => {
    const options = at(id);
    Object.assign(options, fields);
    return new make(options);
  };
  const history: unknown[] = [
    new OrchestratorStartedEvent(at(-1)),
    event(ExecutionStartedEvent, -1, { name: 'investigateSnat', input: JSON.stringify(input) }),
  ];
  const runs: ActivityRun[] = [];
  const timers: { fireAt: Date }[] = [];
  const statuses: unknown[] = [];
  const texts: string[] = [JSON.stringify(input)];
  let sequence = 0;
  let handled = 0;
  for (let episode = 1; episode <= 200; episode++) {
    const state: OrchestratorState = await handler(
      new DurableOrchestrationInput(options.instanceId ?? 'inv-1', history, input),
      new DummyOrchestrationContext('investigateSnat', `episode-${episode}`, () => undefined),
    );
    if (state.customStatus !== undefined && !sameAsLast(statuses, state.customStatus)) {
      statuses.push(state.customStatus);
      texts.push(JSON.stringify(state.customStatus));
    }
    if (state.isDone || state.error !== undefined) {
      texts.push(JSON.stringify(state.output ?? null));
      return {
        output: state.output,
        error: state.error,
        runs,
        timers,
        statuses,
        episodes: episode,
        historyText: texts.join('\n'),
      };
    }
    const actions = state.actions.flat().slice(handled);
    handled += actions.length;
    if (actions.length === 0) throw new Error('the orchestrator waits on nothing');
    history.push(new OrchestratorCompletedEvent(at(-1)));
    const ids = actions.map(() => sequence++);
    const results: unknown[] = [];
    let latest = now.getTime();
    for (const [index, action] of actions.entries()) {
      const id = ids[index] as number;
      if (action.actionType === CREATE_TIMER) {
        const fireAt = new Date(action.fireAt as Date);
        timers.push({ fireAt });
        latest = Math.max(latest, fireAt.getTime());
        results.push(
          event(TimerCreatedEvent, id, { fireAt }),
          event(TimerFiredEvent, -1, { timerId: id, fireAt }),
        );
        continue;
      }
      if (action.actionType !== CALL_ACTIVITY && action.actionType !== CALL_ACTIVITY_WITH_RETRY) {
        throw new Error(`the stand-in host does not carry out action type ${action.actionType}`);
      }
      const name = action.functionName as string;
      latest = Math.max(latest, now.getTime() + (options.durations?.[name] ?? 0));
      const attempts =
        action.actionType === CALL_ACTIVITY ? 1 : (action.retryOptions?.maxNumberOfAttempts ?? 1);
      const activityInput: unknown = JSON.parse(JSON.stringify(action.input ?? null));
      texts.push(JSON.stringify(activityInput));
      let scheduledId = id;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        results.push(event(TaskScheduledEvent, scheduledId, { name, input: JSON.stringify(activityInput) }));
        try {
          const output = JSON.stringify((await activity(name, activityInput, attempt)) ?? null);
          texts.push(output);
          runs.push({ name, input: activityInput, attempt, outcome: 'completed' });
          results.push(event(TaskCompletedEvent, -1, { taskScheduledId: scheduledId, result: output }));
          break;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          texts.push(message);
          runs.push({ name, input: activityInput, attempt, outcome: 'failed' });
          results.push(
            event(TaskFailedEvent, -1, {
              taskScheduledId: scheduledId,
              reason: `Activity function '${name}' failed: ${message}`,
              details: error instanceof Error ? (error.stack ?? '') : '',
            }),
          );
          // The host waits out the retry interval on a timer of its own after every failed attempt (after
          // the last one too, as DurableTask's RetryInterceptor does), then schedules the activity again.
          const timerId = sequence++;
          results.push(
            event(TimerCreatedEvent, timerId, { fireAt: now }),
            event(TimerFiredEvent, -1, { timerId, fireAt: now }),
          );
          if (attempt === attempts) break;
          scheduledId = sequence++;
        }
      }
    }
    now = new Date(latest + 1000);
    history.push(new OrchestratorStartedEvent(at(-1)), ...results);
  }
  throw new Error('the orchestration did not finish in 200 episodes');
}

function sameAsLast(list: readonly unknown[], value: unknown): boolean {
  return list.length > 0 && JSON.stringify(list[list.length - 1]) === JSON.stringify(value);
}
