import { readFileSync } from 'fs';
import * as path from 'path';
import { InputError } from '../../src/core/errors';
import { findShimSandboxId, isThread, parsePstree, type ProcessNode } from '../../src/core/parse-pstree';

const FIXTURES = path.join(__dirname, '../fixtures/correlation');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

/** One node per line, indented two blanks per level: `pid name [args]`. */
const outline = (nodes: readonly ProcessNode[]): string[] =>
  nodes.map((n) => `${'  '.repeat(n.depth)}${n.pid} ${n.name}${n.args === '' ? '' : ` [${n.args}]`}`);

// Sandbox IDs of the pods on the fixtures' node (test/fixtures/correlation/README.md).
const KUBE_PROXY = '58e1431ce8368c52525a72c6fba05e563d36caacf7dddda06ac7858d287ecd91';
const COREDNS = '9515f8c47783fd7b0159ceaaaf4065e553fa1b7f5c2d49376c499214ba46afb8';
const CHECKOUT = 'e412db1685a392dc4a6b035fe194c640ab5deb906b723cb233865a2d130fb051';
const CART = 'd72835aa679834c88a4fe7e13bc96c225a7465d0e8617282837431079a08b4c0';
const REPORT_BUILDER = '3c822c7cf8aa79cb6b40cf65e88c4422c872308004498c3f3ff02a106241e1e8';
const shim = (id: string): string => `-namespace k8s.io -id ${id} -address/ru`;

describe('parsePstree', () => {
  it('reads pstree -aps 1 of a node: depth from indentation, threads under their process, cut lines as printed', () => {
    expect(outline(parsePstree(fixture('pstree-aps-1.txt')))).toEqual([
      '1 systemd',
      '  812 containerd',
      '    813 {containerd}',
      '    815 {containerd}',
      '    816 {containerd}',
      `  3110 containerd-shim [${shim(KUBE_PROXY)}]`,
      '    3160 kube-proxy [--conntrack-max-per-core=0 --metrics-bind-address=0.0.0.0:10249 --cluster-cidr=10.244.0.0/16--detect-loca]',
      '      3161 {kube-proxy}',
      '      3162 {kube-proxy}',
      '    3131 pause',
      '    3111 {containerd-shim}',
      '    3113 {containerd-shim}',
      `  3920 containerd-shim [${shim(COREDNS)}]`,
      '    3987 coredns [-conf /etc/coredns/Corefile]',
      '      3988 {coredns}',
      '      3989 {coredns}',
      '      3990 {coredns}',
      '    3941 pause',
      '    3921 {containerd-shim}',
      '    3923 {containerd-shim}',
      `  4321 containerd-shim [${shim(CHECKOUT)}]`,
      '    5012 java [-Xmx512m -jar /app/checkout.jar]',
      '      5013 {java}',
      '      5014 {java}',
      '      5015 {java}',
      '    4350 pause',
      '    4323 {containerd-shim}',
      '    4324 {containerd-shim}',
      `  4611 containerd-shim [${shim(CART)}]`,
      '    4702 node [/usr/src/app/server.js]',
      '      4703 {node}',
      '      4704 {node}',
      '    4640 pause',
      '    4613 {containerd-shim}',
      '    4614 {containerd-shim}',
      `  6120 containerd-shim [${shim(REPORT_BUILDER)}]`,
      '    1187 java [-jar app.jar]',
      '      1188 {java}',
      '      1189 {java}',
      '      1190 {java}',
      '    6141 pause',
      '    6121 {containerd-shim}',
      '    6123 {containerd-shim}',
      '  1105 kubelet [--enable-server--node-labels=agentpool=nodepool1,kubernetes.azure.com/agentpool=nodepool1,kubernetes.azure.c]',
      '    1106 {kubelet}',
      '    1108 {kubelet}',
      '    1109 {kubelet}',
      '  30210 systemd-hostnam',
    ]);
  });

  it('reads UTF-8 line drawing (├─ └─ │) exactly as ASCII (|- `- |)', () => {
    const utf8 = parsePstree(fixture('pstree-aps-1-utf8.txt'));
    expect(utf8).toHaveLength(48);
    expect(utf8).toEqual(parsePstree(fixture('pstree-aps-1.txt')));
  });

  it.each([
    [
      'pstree-aps-5012.txt',
      [
        { pid: 1, name: 'systemd', args: '', depth: 0 },
        { pid: 4321, name: 'containerd-shim', args: shim(CHECKOUT), depth: 1 },
        { pid: 5012, name: 'java', args: '-Xmx512m -jar /app/checkout.jar', depth: 2 },
        { pid: 5013, name: '{java}', args: '', depth: 3 },
        { pid: 5014, name: '{java}', args: '', depth: 3 },
        { pid: 5015, name: '{java}', args: '', depth: 3 },
      ],
    ],
    [
      'pstree-aps-4321-utf8-wide.txt',
      [
        { pid: 1, name: 'systemd', args: '', depth: 0 },
        {
          pid: 4321,
          name: 'containerd-shim',
          args: `-namespace k8s.io -id ${CHECKOUT} -address /run/containerd/containerd.sock`,
          depth: 1,
        },
        { pid: 5012, name: 'java', args: '-Xmx512m -jar /app/checkout.jar', depth: 2 },
        { pid: 5013, name: '{java}', args: '', depth: 3 },
        { pid: 5014, name: '{java}', args: '', depth: 3 },
        { pid: 5015, name: '{java}', args: '', depth: 3 },
        { pid: 4350, name: 'pause', args: '', depth: 2 },
        { pid: 4323, name: '{containerd-shim}', args: '', depth: 2 },
        { pid: 4324, name: '{containerd-shim}', args: '', depth: 2 },
      ],
    ],
    [
      'pstree-aps-1105.txt',
      [
        { pid: 1, name: 'systemd', args: '', depth: 0 },
        {
          pid: 1105,
          name: 'kubelet',
          args: '--enable-server--node-labels=agentpool=nodepool1,kubernetes.azure.com/agentpool=nodepool1,kubernetes.azure.c',
          depth: 1,
        },
        { pid: 1106, name: '{kubelet}', args: '', depth: 2 },
        { pid: 1108, name: '{kubelet}', args: '', depth: 2 },
        { pid: 1109, name: '{kubelet}', args: '', depth: 2 },
      ],
    ],
  ])('reads %s: the chain from PID 1, then the subtree', (name, expected) => {
    expect(parsePstree(fixture(name))).toEqual(expected);
  });

  it.each([
    ['java,5012 -Xmx512m -jar /app/checkout.jar', 5012, 'java', '-Xmx512m -jar /app/checkout.jar'],
    ['{containerd-shim},4323', 4323, '{containerd-shim}', ''],
    ['systemd-hostnam,30210', 30210, 'systemd-hostnam', ''],
    ['(sh,6001)', 6001, 'sh', ''],
    ['(sd-pam),1235', 1235, '(sd-pam)', ''],
    ['Web Content,7120 -contentproc -childID 3', 7120, 'Web Content', '-contentproc -childID 3'],
    ['pause,4350,ipc,mnt,net,pid,uts', 4350, 'pause', ''],
    ['bash,812,1000 -l', 812, 'bash', '-l'],
    ['--bash,900', 900, '--bash', ''],
  ])('reads the child line %j as pid %d, name %j, args %j', (line, pid, name, args) => {
    expect(parsePstree(`systemd,1\n  \`-${line}\n`)).toEqual([
      { pid: 1, name: 'systemd', args: '', depth: 0 },
      { pid, name, args, depth: 1 },
    ]);
  });

  it('reads empty output, which is what pstree prints for a PID that has exited, as no nodes', () => {
    expect(parsePstree('')).toEqual([]);
    expect(parsePstree('\n')).toEqual([]);
  });

  it.each([
    ['Process 99999 not found.', 1],
    ['systemd(1)---containerd(812)-+-{containerd}(813)', 1],
    ['systemd,1\n  containerd,812', 2],
    ['systemd,1\n  `-containerd', 2],
    ['systemd,1\n  `-pause,99999999999999999999', 2],
  ])('rejects %j, naming the line', (text, line) => {
    expect(() => parsePstree(text)).toThrow(InputError);
    expect(() => parsePstree(text)).toThrow(new RegExp(`^not pstree -aps output: line ${line} `));
  });
});

describe('isThread', () => {
  it('tells the threads of pstree -aps 5012 by their braces', () => {
    const nodes = parsePstree(fixture('pstree-aps-5012.txt'));
    expect(nodes.filter(isThread).map((n) => n.pid)).toEqual([5013, 5014, 5015]);
  });
});

describe('findShimSandboxId', () => {
  const node = parsePstree(fixture('pstree-aps-1.txt'));

  it.each([
    [5012, 'the app process of a pod', CHECKOUT],
    [5013, 'a thread of the app', CHECKOUT],
    [4350, "the pod's pause process", CHECKOUT],
    [1187, 'the app lsns names after PIDs wrapped', REPORT_BUILDER],
    [3987, 'coredns', COREDNS],
    [4702, 'node', CART],
    [3160, 'a hostNetwork pod, found by PID rather than by netns', KUBE_PROXY],
    [1105, 'kubelet, a host process under systemd', null],
    [1106, 'a kubelet thread', null],
    [812, 'containerd', null],
    [1, 'systemd', null],
    [4321, 'the shim itself, a host process', null],
    [4323, "a shim's own thread", null],
    [99999, 'a PID that is not in the tree', null],
  ])('gives PID %d (%s) the sandbox %s', (pid, _why, sandbox) => {
    expect(findShimSandboxId(node, pid)).toBe(sandbox);
  });

  it.each([
    ['pstree-aps-5012.txt', 5012, CHECKOUT],
    ['pstree-aps-5012.txt', 1105, null],
    ['pstree-aps-1105.txt', 1105, null],
    ['pstree-aps-4321-utf8-wide.txt', 5012, CHECKOUT],
    ['pstree-aps-1-utf8.txt', 4350, CHECKOUT],
  ])('reads %s: PID %d belongs to sandbox %s', (name, pid, sandbox) => {
    expect(findShimSandboxId(parsePstree(fixture(name)), pid)).toBe(sandbox);
  });

  const ID = '9f2c1b7e4d3a5c6b8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d';
  const underShim = (args: string): ProcessNode[] =>
    parsePstree(`systemd,1\n  \`-containerd-shim,900 ${args}\n      \`-nginx,950 -g daemon off;\n`);

  it.each([
    [
      'the ID, in the order of containerd 1.5+',
      ID,
      `-namespace k8s.io -id ${ID} -address /run/containerd/containerd.sock`,
    ],
    [
      'the ID, from Go flags written name=value',
      ID,
      `-namespace=k8s.io --id=${ID} -address /run/containerd/containerd.sock`,
    ],
    [
      'the ID, in the order of containerd 1.4',
      ID,
      `-namespace k8s.io -address /run/containerd/containerd.sock -publish-binary /usr/bin/containerd -id ${ID}`,
    ],
    [
      'null for an -id pstree cut to ...',
      null,
      '-namespace k8s.io -address /run/containerd/containerd.sock -publish-binary /usr/bin/containerd -id ...',
    ],
    [
      'null for an -id cut while pstree read the command line, glued to -id',
      null,
      '-namespace k8s.io -id9f2c1b7e4d3a',
    ],
    [
      'null for a Docker container, not a pod',
      null,
      `-namespace moby -id ${ID} -address /run/containerd/containerd.sock`,
    ],
    [
      'null for the v1 shim (one per container, no -id)',
      null,
      `-namespace k8s.io -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/k8s.io/${ID} -address /run/containerd/containerd.sock`,
    ],
  ])('reads from the shim arguments %s', (_case, expected, args) => {
    expect(findShimSandboxId(underShim(args), 950)).toBe(expected);
  });

  it('takes the nearest shim when shims are nested', () => {
    const nodes = parsePstree(
      'systemd,1\n' +
        `  \`-containerd-shim,900 -namespace k8s.io -id outer${'0'.repeat(59)} -address /run/containerd/containerd.sock\n` +
        `      \`-containerd-shim,910 -namespace k8s.io -id inner${'1'.repeat(59)} -address /run/containerd/containerd.sock\n` +
        '          `-sleep,920 infinity\n',
    );
    expect(findShimSandboxId(nodes, 920)).toBe(`inner${'1'.repeat(59)}`);
  });
});
