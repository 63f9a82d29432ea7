import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CONTAINER_PATH } from './processes';

/** The node's own tools the responder runs under `chroot /host`, and what the tests build the node with. */
export const NODE_TOOLS = [
  'lsns',
  'pstree',
  'ss',
  'netstat',
  'ip',
  'nsenter',
  'unshare',
  'mount',
  'sleep',
] as const;

/** The node's Python (AKS Ubuntu images install python3 only): the tests' helper programs run on it. */
export const PYTHON3 = '/usr/bin/python3';
/** Debian's busybox: the debug image's applets are symlinks to it. */
export const BUSYBOX = '/bin/busybox';

/**
 * Fails (never skips) when these tests cannot be what they claim: not root (network namespaces, veths,
 * mounts, reading every process's /proc), or a tool missing. Call it in beforeAll.
 */
export function requireRealNode(): void {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push(`not root (uid ${process.getuid?.()})`);
  for (const tool of NODE_TOOLS) {
    if (which(tool) === null) problems.push(`no ${tool} on ${CONTAINER_PATH}`);
  }
  for (const file of [PYTHON3, BUSYBOX]) {
    try {
      accessSync(file, constants.X_OK);
    } catch {
      problems.push(`no ${file}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `the real-node tests need root, util-linux, psmisc, iproute2, net-tools, python3 and busybox: ${problems.join('; ')}`,
    );
  }
}

/** Where `tool` is on the container PATH (what `chroot /host <tool>` finds), or null. */
export function which(tool: string): string | null {
  for (const dir of CONTAINER_PATH.split(delimiter)) {
    const path = join(dir, tool);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this one
    }
  }
  return null;
}
