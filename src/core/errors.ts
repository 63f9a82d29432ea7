/**
 * The one error base of the project: the name is the class name and the cause is kept, so a wrapped SDK
 * error still says where it came from when it is logged.
 */
export class CustomError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input from a person or a request: a CLI flag, a file, an alert payload. Exit code 2, HTTP 400. */
export class InputError extends CustomError {}

/** Something named in the input does not exist (a file, a node, a cluster). */
export class NotFoundError extends CustomError {}

/** One line for a finding's warnings or a log: the error's message and its cause's, if it has one. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${text}${cause}`.split('\n')[0] ?? text;
}
