import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { Finding } from '../core/finding';
import type { CallInstruction, Instruction, TimerInstruction } from '../workflow/instructions';
import { investigation, type InvestigationRequest } from '../workflow/investigation';
import { ALWAYS_RUN, DeadlineError, DEADLINE_MARGIN_MS, STEP_RETRY } from '../workflow/policy';

export const INVESTIGATE_SNAT = 'investigateSnat';

/** Transient failures (API 429/5xx, a dropped WebSocket) get three attempts, 5 s then 10 s apart. */
export function retryOptions(): df.RetryOptions {
  const retry = new df.RetryOptions(STEP_RETRY.firstDelayMs, STEP_RETRY.attempts);
  retry.backoffCoefficient = STEP_RETRY.backoff;
  retry.maxRetryIntervalInMilliseconds = STEP_RETRY.maxDelayMs;
  return retry;
}

/**
 * An activity's failure as it reaches the orchestrator is wrapped by the host ("Activity function 'x'
 * failed: ..." or "Result: Failure\nException: ..."): the finding wants the activity's own message.
 */
export function failureMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const exception = /^Exception: (.*)$/m.exec(text)?.[1];
  const line = exception ?? text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.replace(/^Activity function '[^']*' failed: /, '').trim();
}

/**
 * The Durable driver: the same workflow as the CLI's, its instructions turned into Durable tasks (an
 * activity with retries, a durable timer for the trace window, Task.all), its status lines into the custom
 * status. Replays give the same instructions, since the workflow reads no clock and does no I/O.
 */
export function* investigateSnat(context: OrchestrationContext): Generator<Task, Finding, unknown> {
  const request = context.df.getInput<InvestigationRequest>();
  const deadline = context.df.currentUtcDateTime.getTime() + request.traceSeconds * 1000 + DEADLINE_MARGIN_MS;
  const flow = investigation(request);
  let next = flow.next();
  while (next.done !== true) {
    const instruction: Instruction = next.value;
    if (instruction.kind === 'status') {
      context.df.setCustomStatus({ step: instruction.text });
      next = flow.next();
      continue;
    }
    let outcome: { value: unknown } | { error: Error };
    try {
      outcome = { value: yield toTask(context, instruction, deadline) };
    } catch (error) {
      outcome = { error: new Error(failureMessage(error)) };
    }
    next = 'error' in outcome ? flow.throw(outcome.error) : flow.next(outcome.value);
  }
  const finding = next.value;
  // The warnings say what was missing, a card that did not reach Teams among them.
  context.df.setCustomStatus({
    step: 'done',
    status: finding.status,
    archive: finding.archive,
    warnings: finding.warnings,
  });
  return finding;
}

function toTask(context: OrchestrationContext, instruction: Instruction, deadline: number): Task {
  switch (instruction.kind) {
    case 'call':
      return callTask(context, instruction, deadline);
    case 'timer':
      return timerTask(context, instruction);
    case 'all':
      return context.df.Task.all(
        instruction.parts.map((part) =>
          part.kind === 'call' ? callTask(context, part, deadline) : timerTask(context, part),
        ),
      );
    case 'status':
      throw new RangeError('a status is not a task');
  }
}

function callTask(context: OrchestrationContext, call: CallInstruction, deadline: number): Task {
  if (context.df.currentUtcDateTime.getTime() > deadline && !ALWAYS_RUN.has(call.activity)) {
    throw new DeadlineError(call.activity);
  }
  return context.df.callActivityWithRetry(call.activity, retryOptions(), call.input);
}

function timerTask(context: OrchestrationContext, timer: TimerInstruction): Task {
  return context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + timer.seconds * 1000));
}
