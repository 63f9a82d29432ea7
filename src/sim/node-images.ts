/**
 * What is on disk where the debug pod's commands run: the debug image (busybox) and the node's own OS
 * image under /host. Only the programs the responder could reach are listed, each where its package puts
 * it; a path not listed does not exist.
 *
 * Sources:
 * - busybox image: azurelinux `SPECS/busybox/busybox-static.config` (2.0 and 3.0 alike; `# CONFIG_NSENTER
 *   is not set`, no ss applet in busybox at all), links made by `.pipelines/containerSourceData/busybox/
 *   Dockerfile-Busybox` (`busybox --install -s /bin`), /bin a link to /usr/bin.
 * - Ubuntu 22.04/24.04 (AgentBaker `vhdbuilder/scripts/linux/ubuntu/tool_installs_ubuntu.sh` installBcc:
 *   bcc v0.29.0 built from source under /usr, tools' shebang `#!/usr/bin/env python` left as upstream;
 *   `python3` installed, no `python-is-python3`); util-linux, iproute2, psmisc, net-tools and
 *   kubernetes-cri-tools in the image inventories.
 * - Azure Linux 3 (azurelinux `SPECS/bcc/bcc.spec`: tools in /usr/share/bcc/tools, the shebang rewritten
 *   to `#!/usr/bin/python3`; `SPECS/cri-tools/cri-tools.spec`: /usr/bin/crictl).
 */

export type NodeImageName = 'ubuntu2204' | 'ubuntu2404' | 'azurelinux3' | 'windows2022' | 'nobcc';

export const NODE_IMAGES: readonly NodeImageName[] = [
  'ubuntu2204',
  'ubuntu2404',
  'azurelinux3',
  'windows2022',
  'nobcc',
];

/** A program the simulator can run, by what it is rather than where it lies. */
export type ProgramKind =
  | 'sh'
  | 'chroot'
  | 'timeout'
  | 'sleep'
  | 'kill'
  | 'cat'
  | 'head'
  | 'grep'
  | 'env'
  | 'python3'
  | 'lsns'
  | 'pstree'
  | 'crictl'
  | 'nsenter'
  | 'ss'
  | 'netstat'
  /** A busybox applet the image has but the simulator does not model. */
  | 'unmodelled';

export type SimFile =
  | { readonly kind: 'program'; readonly program: ProgramKind; readonly flavour?: string }
  /** A script: run by path, the kernel reads its `#!` line (binfmt_script). */
  | { readonly kind: 'script'; readonly shebang: readonly string[]; readonly tool: 'tcptracer' };

export interface FileSystemImage {
  readonly files: ReadonlyMap<string, SimFile>;
}

export interface NodeImage extends FileSystemImage {
  readonly name: NodeImageName;
  readonly os: 'linux' | 'windows';
  readonly osImage: string;
  readonly kernelVersion: string;
}

const TCPTRACER = '/usr/share/bcc/tools/tcptracer';

function program(program: ProgramKind, flavour?: string): SimFile {
  return flavour === undefined ? { kind: 'program', program } : { kind: 'program', program, flavour };
}

/** busybox's applets in the debug image, linked into /bin (= /usr/bin). */
const BUSYBOX_APPLETS: Readonly<Record<string, ProgramKind>> = {
  sh: 'sh',
  ash: 'sh',
  chroot: 'chroot',
  timeout: 'timeout',
  sleep: 'sleep',
  kill: 'kill',
  cat: 'cat',
  head: 'head',
  env: 'env',
  // Present in busybox-static.config but not modelled: their busybox output is not the node tools' own.
  netstat: 'unmodelled',
  pstree: 'unmodelled',
  ps: 'unmodelled',
  grep: 'grep',
  wc: 'unmodelled',
  tail: 'unmodelled',
  stat: 'unmodelled',
  gzip: 'unmodelled',
  ls: 'unmodelled',
  date: 'unmodelled',
  setsid: 'unmodelled',
  pgrep: 'unmodelled',
  pkill: 'unmodelled',
  ip: 'unmodelled',
  nc: 'unmodelled',
  wget: 'unmodelled',
  true: 'unmodelled',
  echo: 'unmodelled',
  printf: 'unmodelled',
  test: 'unmodelled',
  mkdir: 'unmodelled',
  rm: 'unmodelled',
};

function busyboxImage(): FileSystemImage {
  const files = new Map<string, SimFile>();
  for (const [applet, kind] of Object.entries(BUSYBOX_APPLETS)) {
    const file = program(kind, 'busybox');
    files.set(`/bin/${applet}`, file);
    files.set(`/usr/bin/${applet}`, file);
  }
  return { files };
}

/** `mcr.microsoft.com/cbl-mariner/busybox:2.0`, what the debug pod runs by default. */
export const DEBUG_IMAGE: FileSystemImage = busyboxImage();

function linuxNode(
  name: NodeImageName,
  osImage: string,
  kernelVersion: string,
  shebang: string[] | null,
): NodeImage {
  const files = new Map<string, SimFile>();
  // Merged /usr on all three: /bin and /sbin are links into /usr.
  const at = (path: string, file: SimFile) => {
    files.set(`/usr${path}`, file);
    files.set(path, file);
  };
  at('/bin/sh', program('sh', name.startsWith('azurelinux') ? 'bash' : 'dash'));
  at('/bin/cat', program('cat', 'coreutils'));
  at('/bin/head', program('head', 'coreutils'));
  at('/bin/sleep', program('sleep', 'coreutils'));
  at('/bin/timeout', program('timeout', 'coreutils'));
  at('/bin/kill', program('kill', 'procps'));
  at('/bin/env', program('env', 'coreutils'));
  at('/bin/python3', program('python3'));
  at('/bin/lsns', program('lsns'));
  at('/bin/nsenter', program('nsenter'));
  at('/bin/pstree', program('pstree'));
  // Azure Linux 3 VHDs list crictl in /usr/local/bin; Ubuntu's kubernetes-cri-tools puts it in /usr/bin.
  if (name === 'azurelinux3') files.set('/usr/local/bin/crictl', program('crictl'));
  else at('/bin/crictl', program('crictl'));
  at('/bin/ss', program('ss'));
  at('/bin/netstat', program('netstat'));
  at('/sbin/chroot', program('chroot', 'coreutils'));
  if (shebang !== null) files.set(TCPTRACER, { kind: 'script', shebang, tool: 'tcptracer' });
  return { name, os: 'linux', osImage, kernelVersion, files };
}

const IMAGES: Readonly<Record<NodeImageName, NodeImage>> = {
  ubuntu2204: linuxNode('ubuntu2204', 'Ubuntu 22.04.5 LTS', '5.15.0-1089-azure', ['/usr/bin/env', 'python']),
  ubuntu2404: linuxNode('ubuntu2404', 'Ubuntu 24.04.3 LTS', '6.8.0-1041-azure', ['/usr/bin/env', 'python']),
  azurelinux3: linuxNode('azurelinux3', 'Azure Linux 3.0', '6.6.104.2-4.azl3', ['/usr/bin/python3']),
  nobcc: linuxNode('nobcc', 'Ubuntu 22.04.5 LTS', '5.15.0-1089-azure', null),
  windows2022: {
    name: 'windows2022',
    os: 'windows',
    osImage: 'Windows Server 2022 Datacenter',
    kernelVersion: '10.0.20348.4171',
    files: new Map(),
  },
};

export function nodeImage(name: NodeImageName | undefined): NodeImage {
  return IMAGES[name ?? 'ubuntu2204'];
}

/** The directories of a PATH, in order. */
export function pathDirs(path: string | undefined): string[] {
  return (path ?? '').split(':').filter((dir) => dir.startsWith('/'));
}

/** execvp's search: a name with a slash is a path; otherwise each PATH directory in turn. */
export function lookUp(
  image: FileSystemImage,
  name: string,
  path: string | undefined,
): { readonly path: string; readonly file: SimFile } | null {
  if (name.includes('/')) {
    const file = image.files.get(name);
    return file === undefined ? null : { path: name, file };
  }
  for (const dir of pathDirs(path)) {
    const file = image.files.get(`${dir}/${name}`);
    if (file !== undefined) return { path: `${dir}/${name}`, file };
  }
  return null;
}
