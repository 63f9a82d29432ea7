/**
 * psmisc 23.6 `pstree -aspl <pid>` without a UTF-8 locale (as through `kubectl exec`): the process's
 * ancestors from PID 1 down, then its whole subtree. Each line is `comm,pid args` (threads `{comm},tid`),
 * indented four columns a level with ASCII branches (`|-`, `` `- ``, `| ` carrying an ancestor's line
 * down). Children are sorted by the name as printed (so threads, in braces, come last), then by uid, then
 * in PID order. `-l` keeps long lines whole.
 */
import type { SimProcess } from './node-identities';

interface TreeNode {
  readonly id: number;
  readonly parent: number;
  /** As printed: comm, or `{comm}` for a thread. */
  readonly name: string;
  readonly args: readonly string[];
  readonly uid: number;
  readonly children: TreeNode[];
}

/** The process tree of the node, built once and asked many times. */
export class ProcessTree {
  private readonly nodes = new Map<number, TreeNode>();

  constructor(processes: readonly SimProcess[]) {
    const entries: TreeNode[] = [];
    for (const process of processes) {
      entries.push({
        id: process.pid,
        parent: process.ppid,
        name: process.comm,
        args: process.argv.slice(1),
        uid: process.uid,
        children: [],
      });
      for (const tid of process.threads) {
        entries.push({
          id: tid,
          parent: process.pid,
          name: `{${process.comm}}`,
          args: [],
          uid: process.uid,
          children: [],
        });
      }
    }
    // psmisc reads /proc in PID order and inserts each child before the first sibling that sorts after it.
    entries.sort((a, b) => a.id - b.id);
    for (const entry of entries) this.nodes.set(entry.id, entry);
    for (const entry of entries) {
      const siblings = this.nodes.get(entry.parent)?.children;
      if (siblings === undefined) continue;
      let at = siblings.findIndex((s) => s.name > entry.name || (s.name === entry.name && s.uid > entry.uid));
      if (at === -1) at = siblings.length;
      siblings.splice(at, 0, entry);
    }
  }

  has(pid: number): boolean {
    return this.nodes.has(pid);
  }

  /** `pstree -aspl pid`; null when there is no such process. */
  render(pid: number): string | null {
    const target = this.nodes.get(pid);
    if (target === undefined) return null;
    const chain: TreeNode[] = [];
    for (let node: TreeNode | undefined = target; node !== undefined; node = this.nodes.get(node.parent)) {
      chain.unshift(node);
    }
    const lines: string[] = [];
    let prefix = '';
    chain.forEach((node, depth) => {
      if (node === target) {
        emit(node, prefix, depth === 0 ? null : '`-', lines);
        return;
      }
      lines.push(depth === 0 ? label(node) : `${prefix}  \`-${label(node)}`);
      if (depth > 0) prefix += '    ';
    });
    return lines.map((line) => `${line}\n`).join('');
  }
}

function label(node: TreeNode): string {
  return node.args.length === 0
    ? `${node.name},${node.id}`
    : `${node.name},${node.id} ${node.args.join(' ')}`;
}

/** A node and its subtree; `branch` null for the root line. */
function emit(node: TreeNode, prefix: string, branch: '|-' | '`-' | null, lines: string[]): void {
  lines.push(branch === null ? label(node) : `${prefix}  ${branch}${label(node)}`);
  const childPrefix = branch === null ? '' : prefix + (branch === '`-' ? '    ' : '  | ');
  node.children.forEach((child, i) =>
    emit(child, childPrefix, i === node.children.length - 1 ? '`-' : '|-', lines),
  );
}
