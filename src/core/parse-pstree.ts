/**
 * psmisc `pstree -aps <pid>`: the process's ancestors down from PID 1, then its own subtree.
 *
 * With -a every process has its own line: `name,pid args`, indented four columns per level by two
 * blanks and a branch (`|-`, `` `- ``, with `| ` carrying an ancestor's line down; `├─`, `└─`, `│ ` when
 * pstree writes UTF-8, which it does only to a UTF-8 terminal or with -U). The name is the kernel's
 * 15-character comm (`containerd-shim` for containerd-shim-runc-v2), not argv[0], and argv[0] is not
 * repeated. A process without a command line (a kernel thread, a zombie) is shown as `(name,pid)`.
 * Threads are lines of their own under their process, `{name},tid`.
 *
 * pstree cuts long lines at the terminal width, or 132 columns when its output is not a terminal, as
 * through `kubectl exec`: an argument that does not fit becomes `...`, and one that was cut while
 * reading the command line is glued to the one before it (`-address/ru`). The sandbox ID is read from
 * the shim's `-id` argument, which comes early enough to survive both.
 */
import { InputError } from './errors';

export interface ProcessNode {
  readonly pid: number;
  /** The comm as pstree prints it; a thread keeps pstree's braces (`{containerd-shim}`), see isThread. */
  readonly name: string;
  /** The arguments after argv[0] as printed (space-joined, pstree's `\ooo` escapes kept); '' for none. */
  readonly args: string;
  /** 0 for the first line (PID 1 with -s), 1 for its children, and so on. */
  readonly depth: number;
}

const TOOL = 'pstree -aps';

/** Indentation made of blanks and ancestors' verticals, ending in this node's branch. */
const LINE = /^([ |│]*(?:\|-|`-|├─|└─))?(.*)$/;
/** `name,pid` then pstree's optional extra fields (`,user`, `,net`…) and the arguments. */
const PROCESS = /^(\S.*?),(\d+)((?:,[^\s,]+)*)(?: (.*))?$/;
const NO_COMMAND_LINE = /^\((\S.*?),(\d+)((?:,[^\s,]+)*)\)$/;

/**
 * Reads the whole output, one node per line, depth from the indentation. Empty output gives no nodes:
 * that is what pstree prints (with "Process N not found." on stderr) for a PID that has exited.
 */
export function parsePstree(text: string): ProcessNode[] {
  const nodes: ProcessNode[] = [];
  // Where each open ancestor's name starts: a child's name starts further right, a sibling's at the same place.
  const columns: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const [, indent = '', body = ''] = LINE.exec(line) as RegExpExecArray;
    const node = PROCESS.exec(body) ?? NO_COMMAND_LINE.exec(body);
    if (node === null) {
      throw new InputError(`not ${TOOL} output: line ${i + 1} is not 'name,pid args': ${quote(line)}`);
    }
    const pid = Number(node[2]);
    if (!Number.isSafeInteger(pid)) {
      throw new InputError(`not ${TOOL} output: line ${i + 1} has a PID out of range: ${quote(line)}`);
    }
    const column = indent.length;
    while (columns.length > 0 && (columns[columns.length - 1] as number) >= column) columns.pop();
    nodes.push({ pid, name: node[1] as string, args: node[4] ?? '', depth: columns.length });
    columns.push(column);
  });
  return nodes;
}

/** A thread line: pstree prints threads as `{name},tid`. */
export function isThread(node: ProcessNode): boolean {
  return node.name.startsWith('{') && node.name.endsWith('}');
}

/**
 * The pod sandbox ID of the nearest containerd shim above `pid`: the `-id` of the closest ancestor whose
 * name starts with `containerd-shim` (runc v2 shims run one per pod sandbox, so its ID is the sandbox's
 * for every container of the pod). A thread is looked up as its process. Null when `pid` is not in the
 * tree, when no ancestor is a shim (a host process such as kubelet, or the shim itself), or when the
 * nearest shim has no readable `-id` (cut to `...`), serves a containerd namespace other than k8s.io (not
 * a pod), or is the legacy one-per-container v1 shim, which has no `-id`.
 */
export function findShimSandboxId(nodes: readonly ProcessNode[], pid: number): string | null {
  const index = nodes.findIndex((node) => node.pid === pid);
  if (index === -1) return null;
  const start = nodes[index] as ProcessNode;
  let depth = start.depth;
  // A thread answers for its process: a shim's own thread is the shim, not something the shim runs.
  let process = !isThread(start);
  for (let i = index - 1; i >= 0 && depth > 0; i--) {
    const node = nodes[i] as ProcessNode;
    if (node.depth >= depth) continue;
    depth = node.depth;
    if (!process) {
      process = true;
      continue;
    }
    if (node.name.startsWith('containerd-shim')) return shimSandboxId(node.args);
  }
  return null;
}

/** containerd's identifier rule (pkg/identifiers): what a sandbox ID may look like; `...` never does. */
const IDENTIFIER = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;

function shimSandboxId(args: string): string | null {
  const flags = new Map<string, string>();
  const words = args.split(' ');
  for (let i = 0; i < words.length; i++) {
    // Go's flag package: -name value, --name value, -name=value.
    const match = /^--?(namespace|id)(?:=(.*))?$/.exec(words[i] as string);
    if (match === null) continue;
    const value = match[2] ?? words[++i];
    if (value !== undefined && !flags.has(match[1] as string)) flags.set(match[1] as string, value);
  }
  const namespace = flags.get('namespace');
  const id = flags.get('id');
  if (namespace !== undefined && namespace !== 'k8s.io') return null;
  return id !== undefined && id.length <= 76 && IDENTIFIER.test(id) ? id : null;
}

function quote(line: string): string {
  return JSON.stringify(line.length > 120 ? `${line.slice(0, 117)}...` : line);
}
