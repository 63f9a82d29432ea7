/**
 * The commands the responder runs in its debug pod on the node (hostPID): DESIGN.md section 3's
 * runbook steps. Every argument that varies is a checked integer: nothing from outside reaches a shell.
 */
const ON_HOST = ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--'];

function pidArg(pid: number): string {
  if (!Number.isInteger(pid) || pid < 1) throw new RangeError(`not a PID: ${pid}`);
  return String(pid);
}

export const nodeCommands = {
  /** netns inode -> a PID in it. */
  lsns: (): string[] => [...ON_HOST, 'lsns', '-t', 'net', '-J'],
  /** The whole process tree from PID 1 (with -l: kubectl exec gives no terminal, and pstree would cut lines at 132 columns). */
  pstree: (): string[] => [...ON_HOST, 'pstree', '-aspl', '1'],
  crictlPods: (): string[] => [...ON_HOST, 'crictl', 'pods', '-o', 'json'],
  crictlContainers: (): string[] => [...ON_HOST, 'crictl', 'ps', '-a', '-o', 'json'],
  /** A pod's socket table read from the host side: works for distroless images, installs nothing. */
  procNetTcp: (pid: number): string[] => [
    'cat',
    `/proc/${pidArg(pid)}/net/tcp`,
    `/proc/${pidArg(pid)}/net/tcp6`,
  ],
  /** Several pods' tables in one exec (one WebSocket instead of many): split with splitProcNetTcp. */
  procNetTcpMany: (pids: readonly number[]): string[] => [
    'cat',
    ...pids.flatMap((pid) => [`/proc/${pidArg(pid)}/net/tcp`, `/proc/${pidArg(pid)}/net/tcp6`]),
  ],
  /** The host netns with owning PIDs: how hostNetwork pods' sockets are told from kubelet's. */
  ssWithPids: (pid: number): string[] => ['nsenter', '-t', pidArg(pid), '-n', 'ss', '-tnp'],
} as const;

/**
 * The fallback when no process of a pod is found from the host side: the runbook's own way, run in the
 * pod's container with whatever tool it has (`kubectl exec`), in this order. Nothing varies.
 */
export const inPodSocketCommands: readonly (readonly string[])[] = [
  ['cat', '/proc/net/tcp', '/proc/net/tcp6'],
  ['ss', '-tnp'],
  ['netstat', '-ptn'],
];
