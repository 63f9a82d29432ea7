import { CustomError, InputError, NotFoundError } from '../core/errors';
import { processIo, type CliIo } from './io';
import { ALERT_USAGE, ANALYZE_USAGE, DEMO_USAGE, INVESTIGATE_USAGE, SIM_SERVE_USAGE } from './usage';

const USAGE = `usage: aks-snat <command> [options]

commands:
  ${ANALYZE_USAGE}
      Analyse tcptracer and socket-table outputs saved by hand (netstat -ptn, ss -tnp, /proc/net/tcp).
  ${DEMO_USAGE}
      Run the whole responder against a simulated AKS cluster (no Azure account needed); writes finding.json,
      card.json, report.html and the raw evidence under --out (default ./snat-demo).
  ${INVESTIGATE_USAGE}
      Run the whole investigation against a real AKS cluster with your Azure login.
  ${SIM_SERVE_USAGE}
      Serve the simulated Kubernetes and ARM APIs of a scenario until stopped; kubectl works with the kubeconfig.
  ${ALERT_USAGE}
      Read an Azure Monitor alert payload (common alert schema) as the alert webhook would, and print the
      investigations it would start; starts nothing. Exit 2, with the reason, for a payload it would refuse.

exit codes: 0 a finding was produced, 1 operational failure, 2 bad usage or input
`;

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Each command's module is loaded when it runs: `analyze` need not load what `demo` brings. */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  analyze: async () => (await import('./analyze')).runAnalyze,
  investigate: async () => (await import('./investigate')).runInvestigate,
  demo: async () => (await import('./demo')).runDemo,
  sim: async () => (await import('./sim-serve')).runSimServe,
  alert: async () => (await import('./alert')).runAlert,
};

/**
 * Control characters as escapes: a value quoted in a message (a file's content, a flag) may hold a newline
 * or a terminal escape sequence, which must neither split the one line nor reach the terminal.
 */
function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- control characters are what is sought
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** One line for the terminal: what is wrong, never a stack trace for the user's own mistakes. */
function describe(error: unknown, input: boolean): string {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') return printable(String(error));
  // parseArgs appends advice on `--` to its first sentence; the first sentence is the news.
  if (isUsageError(error)) {
    const line = message.split('\n')[0] ?? message;
    return printable(line.split('. ')[0] ?? line);
  }
  // Bad input is named whole (the newlines in it are values'); an operational failure by its first line.
  return printable(input ? message : (message.split('\n')[0] ?? message));
}

function isUsageError(error: unknown): boolean {
  // node:util parseArgs reports unknown or malformed flags with ERR_PARSE_ARGS_* codes.
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout).write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const load = COMMANDS[command];
  if (load === undefined) {
    io.stderr.write(`aks-snat: unknown command '${printable(command)}'\n${USAGE}`);
    return 2;
  }
  try {
    const run = await load();
    return await run(rest, io);
  } catch (error) {
    if (error instanceof InputError || error instanceof NotFoundError || isUsageError(error)) {
      io.stderr.write(`aks-snat ${command}: ${describe(error, true)}\n`);
      return 2;
    }
    const detail =
      error instanceof CustomError && error.cause instanceof Error
        ? ` (${printable(error.cause.message.split('\n')[0] ?? '')})`
        : '';
    io.stderr.write(`aks-snat ${command}: failed: ${describe(error, false)}${detail}\n`);
    return 1;
  }
}
