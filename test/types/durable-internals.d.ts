/**
 * The parts of durable-functions' own replay machinery the orchestrator tests drive (the library ships
 * them without declarations): the orchestrator wrapper, its input, and the history events the host writes.
 */
declare module 'durable-functions/lib/src/util/testingUtils' {
  import type { InvocationContext } from '@azure/functions';
  import type { OrchestrationHandler } from 'durable-functions';

  export class DurableOrchestrationInput {
    constructor(instanceId?: string, history?: unknown[], input?: unknown);
  }
  export class DummyOrchestrationContext extends InvocationContext {
    constructor(
      functionName?: string,
      invocationId?: string,
      logHandler?: (level: string, ...args: unknown[]) => void,
    );
  }
  export interface OrchestratorState {
    readonly isDone: boolean;
    readonly actions: {
      actionType: number;
      functionName?: string;
      input?: unknown;
      fireAt?: Date;
      retryOptions?: { maxNumberOfAttempts: number };
    }[][];
    readonly output?: unknown;
    readonly error?: string;
    readonly customStatus?: unknown;
  }
  export function createOrchestrator(
    fn: OrchestrationHandler,
  ): (input: DurableOrchestrationInput, context: InvocationContext) => Promise<OrchestratorState>;
}

declare module 'durable-functions/lib/src/history/HistoryEventOptions' {
  export class HistoryEventOptions {
    constructor(eventId: number, timestamp: Date, isPlayed?: boolean);
    [option: string]: unknown;
  }
}

declare module 'durable-functions/lib/src/history/OrchestratorStartedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class OrchestratorStartedEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/OrchestratorCompletedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class OrchestratorCompletedEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/ExecutionStartedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class ExecutionStartedEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/TaskScheduledEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class TaskScheduledEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/TaskCompletedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class TaskCompletedEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/TaskFailedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class TaskFailedEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/TimerCreatedEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class TimerCreatedEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/TimerFiredEvent' {
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class TimerFiredEvent {
    constructor(options: HistoryEventOptions);
  }
}
