import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX } from './preflight';

/**
 * The applets of the default debug image, `mcr.microsoft.com/cbl-mariner/busybox:2.0` (azurelinux
 * SPECS/busybox/busybox-static.config), that its commands may touch: a PATH holding only these proves the
 * debug pod's side of every command line needs nothing more. No nsenter (`# CONFIG_NSENTER is not set`)
 * and no ss (busybox has no such applet) on purpose.
 */
export const DEBUG_IMAGE_APPLETS = [
  'sh',
  'ash',
  'chroot',
  'timeout',
  'sleep',
  'kill',
  'cat',
  'head',
  'tail',
  'grep',
  'wc',
  'ls',
  'env',
  'true',
  'echo',
  'printf',
  'test',
  'stat',
  'date',
  'ps',
  'pstree',
  'netstat',
  'mkdir',
  'rm',
] as const;

/** The applets the responder's own debug-pod command lines run (node-commands.ts), outside `chroot /host`. */
export const APPLETS_THE_RESPONDER_RUNS = [
  'sh',
  'cat',
  'head',
  'echo',
  'grep',
  'sleep',
  'kill',
  'timeout',
  'chroot',
] as const;

export interface BusyboxPath {
  /** A directory of symlinks to busybox, one per applet: the debug container's whole PATH. */
  readonly dir: string;
  /** Applets of the debug image that this machine's busybox was built without (Debian's has no pstree). */
  readonly missing: readonly string[];
}

/** Makes `dir` a PATH of the debug image's applets, each a symlink to this machine's busybox. */
export function busyboxPath(dir: string): BusyboxPath {
  const built = new Set(execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n'));
  mkdirSync(dir, { recursive: true });
  const missing: string[] = [];
  for (const applet of DEBUG_IMAGE_APPLETS) {
    if (built.has(applet)) symlinkSync(BUSYBOX, join(dir, applet));
    else missing.push(applet);
  }
  const needed = APPLETS_THE_RESPONDER_RUNS.filter((applet) => missing.includes(applet));
  if (needed.length > 0)
    throw new Error(`${BUSYBOX} has no ${needed.join(', ')}: it cannot stand in for the debug image`);
  return { dir, missing };
}
