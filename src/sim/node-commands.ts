/**
 * The command lines the simulated node answers, read from argv into what is asked. Anything else is null,
 * which the node model answers as a command it cannot run.
 *
 * In the debug pod (hostPID, hostNetwork): the runbook's tools, either entering the host
 * (`nsenter -t 1 -m -u -i -n -p -- <tool>`) or as they are, and `nsenter -t <pid> -n [--] <tool>` to read a
 * pod's netns. In an application container: netstat, ss and cat only.
 */

export type ToolCommand =
  | { readonly kind: 'lsns' }
  | { readonly kind: 'pstree'; readonly pid: string }
  | { readonly kind: 'crictl-pods' }
  | { readonly kind: 'crictl-ps' }
  | { readonly kind: 'cat'; readonly files: readonly string[] }
  | { readonly kind: 'ss'; readonly onlyEstablished: boolean }
  | { readonly kind: 'netstat' }
  | { readonly kind: 'tcptracer'; readonly seconds: number };

export interface DebugPodCommand {
  /** Whose netns the tool runs in: the host's, or that of the process `nsenter -t <pid> -n` names. */
  readonly netnsOf: 'host' | { readonly pid: string };
  readonly command: ToolCommand;
}

const ENTER_HOST = ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p'];

function startsWith(argv: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((word, i) => argv[i] === word);
}

function withoutDashDash(argv: readonly string[]): readonly string[] {
  return argv[0] === '--' ? argv.slice(1) : argv;
}

/** One flag word made of exactly these letters, in any order: `-aspl`, `-tnp`, `-ptn`. */
function isFlags(word: string | undefined, letters: string): boolean {
  if (word === undefined || !word.startsWith('-') || word.length !== letters.length + 1) return false;
  return (
    [...letters].every((letter) => word.includes(letter)) && new Set(word.slice(1)).size === letters.length
  );
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** ss, netstat and cat: what both the debug pod and an application container may run. */
export function parseSocketTool(argv: readonly string[]): ToolCommand | null {
  const [tool, ...args] = argv;
  switch (basename(tool ?? '')) {
    case 'ss':
      if (args.length === 1 && isFlags(args[0], 'tnp')) return { kind: 'ss', onlyEstablished: false };
      if (args.length === 3 && isFlags(args[0], 'tnp') && args[1] === 'state' && args[2] === 'established') {
        return { kind: 'ss', onlyEstablished: true };
      }
      return null;
    case 'netstat':
      return args.length === 1 && isFlags(args[0], 'ptn') ? { kind: 'netstat' } : null;
    case 'cat':
      return args.length > 0 ? { kind: 'cat', files: args } : null;
    default:
      return null;
  }
}

function parseHostTool(argv: readonly string[]): ToolCommand | null {
  const [tool, ...args] = argv;
  switch (basename(tool ?? '')) {
    case 'lsns':
      return args.join(' ') === '-t net -J' || args.join(' ') === '-J -t net' ? { kind: 'lsns' } : null;
    case 'pstree':
      return args.length === 2 && isFlags(args[0], 'aspl')
        ? { kind: 'pstree', pid: args[1] as string }
        : null;
    case 'crictl':
      if (args.join(' ') === 'pods -o json') return { kind: 'crictl-pods' };
      if (args.join(' ') === 'ps -a -o json') return { kind: 'crictl-ps' };
      return null;
    case 'timeout': {
      const seconds = /^([1-9]\d{0,4})s?$/.exec(args[0] ?? '')?.[1];
      if (seconds === undefined || basename(args[1] ?? '') !== 'tcptracer' || args.length !== 3) return null;
      return isFlags(args[2], 't4v') ? { kind: 'tcptracer', seconds: Number(seconds) } : null;
    }
    default:
      return parseSocketTool(argv);
  }
}

/** A command sent to the privileged debug pod; null when the simulator has no answer for it. */
export function parseDebugPodCommand(argv: readonly string[]): DebugPodCommand | null {
  if (startsWith(argv, ENTER_HOST)) {
    const command = parseHostTool(withoutDashDash(argv.slice(ENTER_HOST.length)));
    return command === null ? null : { netnsOf: 'host', command };
  }
  if (argv[0] === 'nsenter' && argv[1] === '-t' && argv[3] === '-n' && argv[2] !== undefined) {
    const command = parseSocketTool(withoutDashDash(argv.slice(4)));
    return command === null ? null : { netnsOf: { pid: argv[2] }, command };
  }
  const command = parseHostTool(argv);
  return command === null ? null : { netnsOf: 'host', command };
}
