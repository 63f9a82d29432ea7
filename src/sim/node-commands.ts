/**
 * The node tools' argv, read into what is asked: the tools' own option parsing, cut down to the options
 * the runbook uses. Anything else is null, which the node model answers as an option it does not model.
 */

export type ToolCommand =
  | { readonly kind: 'lsns' }
  | { readonly kind: 'pstree'; readonly pid: string }
  | { readonly kind: 'crictl-pods' }
  | { readonly kind: 'crictl-ps' }
  | { readonly kind: 'cat'; readonly files: readonly string[] }
  | { readonly kind: 'ss'; readonly onlyEstablished: boolean }
  /** `wide`: `-W`, without which net-tools cuts `address:port` to 23 columns. */
  | { readonly kind: 'netstat'; readonly wide: boolean };

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
      if (args.length === 1 && isFlags(args[0], 'ptn')) return { kind: 'netstat', wide: false };
      return args.length === 1 && isFlags(args[0], 'ptnW') ? { kind: 'netstat', wide: true } : null;
    case 'cat':
      return args.length > 0 ? { kind: 'cat', files: args } : null;
    default:
      return null;
  }
}

export function parseHostTool(argv: readonly string[]): ToolCommand | null {
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
    default:
      return parseSocketTool(argv);
  }
}
