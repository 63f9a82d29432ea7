import { readFileSync } from 'fs';
import * as path from 'path';
import { InputError } from '../../src/core/errors';
import { parseLsns, type NetNamespace } from '../../src/core/parse-lsns';
import { sample } from '../helpers/samples';

const FIXTURES = path.join(__dirname, '../fixtures/correlation');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

// The node of test/fixtures/correlation (README there): the host, a systemd service with a private
// netns, and four pods' namespaces mounted by the CNI under /run/netns.
const HOST: NetNamespace = {
  ns: 4026532179,
  pid: 1,
  nprocs: 11,
  user: 'root',
  netnsid: null,
  nsfs: null,
  command: '/sbin/init',
};
const HOSTNAMED: NetNamespace = {
  ns: 4026532524,
  pid: 30210,
  nprocs: 1,
  user: 'root',
  netnsid: null,
  nsfs: null,
  command: '/lib/systemd/systemd-hostnamed',
};
const COREDNS: NetNamespace = {
  ns: 4026532248,
  pid: 3941,
  nprocs: 2,
  user: '65535',
  netnsid: 0,
  nsfs: '/run/netns/cni-3b941531-bda7-43d8-9b42-b3bcd0e942db',
  command: '/pause',
};
const CHECKOUT: NetNamespace = {
  ns: 4026532317,
  pid: 4350,
  nprocs: 2,
  user: '65535',
  netnsid: 1,
  nsfs: '/run/netns/cni-74399e96-42a4-4ee4-b739-58208848e9b6',
  command: '/pause',
};
const CART: NetNamespace = {
  ns: 4026532386,
  pid: 4640,
  nprocs: 2,
  user: '65535',
  netnsid: 2,
  nsfs: '/run/netns/cni-cb08c114-1ac2-4f91-89a6-f70fd4ba2c14',
  command: '/pause',
};
// PIDs wrapped on this node, so the app, not /pause, is the lowest PID in its pod's namespace.
const REPORT_BUILDER: NetNamespace = {
  ns: 4026532455,
  pid: 1187,
  nprocs: 2,
  user: '10001',
  netnsid: 3,
  nsfs: '/run/netns/cni-03f3b42c-3db9-4572-8f70-697bb3ede860',
  command: 'java -jar app.jar',
};
const NODE = [HOST, HOSTNAMED, COREDNS, CHECKOUT, CART, REPORT_BUILDER];
const WITHOUT_NETNSID_AND_NSFS = NODE.map((ns) => ({ ...ns, netnsid: null, nsfs: null }));

describe('parseLsns: the shared samples', () => {
  it.each(['lsns-t-net.txt', 'lsns-t-net-J.json'])(
    'reads %s: blank NSFS is null, not the command shifted left',
    (name) => {
      expect(parseLsns(sample(name))).toEqual([
        { ns: 4026531833, pid: 2, nprocs: 65, user: 'root', netnsid: null, nsfs: null, command: 'kthreadd' },
      ]);
    },
  );
});

describe('parseLsns: an AKS node', () => {
  it.each([
    ['lsns-t-net.txt', 'the util-linux 2.38 table'],
    ['lsns-t-net-J.json', 'JSON with the child namespace nested under its parent'],
    ['lsns-t-net-nsfs-two-mounts.txt', 'a table whose second NSFS mount is on a continuation line'],
    ['lsns-t-net-J-nsfs-two-mounts.json', 'JSON whose two NSFS mounts are joined by a newline'],
    ['lsns-t-net-J-string-values.json', 'older JSON with every number a string'],
    ['lsns-o-netnsid-nsfs-all-types.txt', 'a table of every namespace type, NETNSID blank on the others'],
  ])('reads %s (%s): every net namespace, first NSFS mount, whole command line', (name) => {
    expect(parseLsns(fixture(name))).toEqual(NODE);
  });

  it.each([
    ['lsns-t-net-old-columns.txt', 'the column set of older util-linux'],
    ['lsns.txt', 'plain lsns: every namespace type'],
  ])('reads %s (%s): net rows only, NETNSID and NSFS null', (name) => {
    expect(parseLsns(fixture(name))).toEqual(WITHOUT_NETNSID_AND_NSFS);
  });

  it('reads NETNSID as null when lsns could not ask the kernel and left it blank', () => {
    const text =
      '        NS TYPE NPROCS  PID USER  NETNSID NSFS                                                COMMAND\n' +
      '4026532179 net      11    1 root                                                              /sbin/init\n' +
      '4026532248 net       2 3941 65535         /run/netns/cni-3b941531-bda7-43d8-9b42-b3bcd0e942db /pause\n';
    expect(parseLsns(text)).toEqual([HOST, { ...COREDNS, netnsid: null }]);
  });

  it('drops a namespace without a process: no PID to walk to a shim', () => {
    const table =
      '        NS TYPE NPROCS  PID USER  NETNSID NSFS                                                COMMAND\n' +
      '4026532248 net       2 3941 65535       0 /run/netns/cni-3b941531-bda7-43d8-9b42-b3bcd0e942db /pause\n' +
      '4026532590 net       0      root          /run/netns/cni-5f0e8a2c-7d41-4b6a-9c3e-2a8f1d6b4e90 \n';
    const json = JSON.stringify({
      namespaces: [
        {
          ns: 4026532248,
          type: 'net',
          nprocs: 2,
          pid: 3941,
          user: '65535',
          netnsid: '0',
          nsfs: COREDNS.nsfs,
          command: '/pause',
        },
        {
          ns: 4026532590,
          type: 'net',
          nprocs: 0,
          pid: null,
          user: 'root',
          netnsid: null,
          nsfs: '/run/netns/x',
          command: null,
        },
      ],
    });
    expect(parseLsns(table)).toEqual([COREDNS]);
    expect(parseLsns(json)).toEqual([COREDNS]);
  });

  it.each(['`-', '|-', '| `-', '  `-', '└─', '├─', '│ └─', '    └─'])(
    'strips the process-tree branch %j that lsns draws in COMMAND',
    (branch) => {
      const text =
        '        NS TYPE NPROCS   PID USER COMMAND\n' +
        `4026532524 net       1 30210 root ${branch}/lib/systemd/systemd-hostnamed --debug\n`;
      expect(parseLsns(text)).toEqual([
        {
          ...HOSTNAMED,
          nprocs: 1,
          netnsid: null,
          nsfs: null,
          command: '/lib/systemd/systemd-hostnamed --debug',
        },
      ]);
    },
  );

  it('reads JSON numbers and netnsid as a number', () => {
    const json =
      '{"namespaces": [{"ns": 4026532248, "type": "net", "nprocs": 2, "pid": 3941, "netnsid": 0}]}';
    expect(parseLsns(json)).toEqual([
      { ns: 4026532248, pid: 3941, nprocs: 2, user: null, netnsid: 0, nsfs: null, command: '' },
    ]);
  });

  it('reads Windows line ends and leading blank lines', () => {
    expect(parseLsns(`\r\n${fixture('lsns-t-net.txt').replace(/\n/g, '\r\n')}`)).toEqual(NODE);
  });
});

describe('parseLsns: text that is not lsns output', () => {
  it.each([
    ['', 'not lsns -t net output: the text is empty'],
    [
      'State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n',
      'not lsns -t net output: the first line is not an lsns header with NS TYPE PID COMMAND (missing NS, TYPE, PID, COMMAND): "State Recv-Q Send-Q Local Address:Port Peer Address:Port Process"',
    ],
    [
      '4026531833 net      65   2 root unassigned      kthreadd\n',
      'not lsns -t net output: the first line is not an lsns header with NS TYPE PID COMMAND (missing NS, TYPE, PID, COMMAND): "4026531833 net      65   2 root unassigned      kthreadd"',
    ],
    [
      '        NS TYPE NPROCS PID USER COMMAND\n402653183x net      65   2 root kthreadd\n',
      'not lsns -t net output: line 2 NS is not an integer: "402653183x"',
    ],
    [
      '        NS TYPE NPROCS PID USER COMMAND\n4026531833 net      65  -2 root kthreadd\n',
      'not lsns -t net output: line 2 PID is not an integer: "-2"',
    ],
    [
      '        NS TYPE NPROCS PID USER COMMAND\n                         root kthreadd\n',
      'not lsns -t net output: line 2 has no NS: "                         root kthreadd"',
    ],
    ['{"blockdevices": []}', 'not lsns -t net -J output: no "namespaces" array'],
    ['{"namespaces": [42]}', 'not lsns -t net -J output: namespaces[0] is not an object'],
    [
      '{"namespaces": [{"ns": 4026531833, "type": "net", "pid": 2.5}]}',
      'not lsns -t net -J output: namespaces[0].pid is not an integer: 2.5',
    ],
    [
      '{"namespaces": [{"ns": "4026531833", "type": "net", "pid": "2", "netnsid": "n/a"}]}',
      'not lsns -t net -J output: namespaces[0].netnsid is not an integer: "n/a"',
    ],
    [
      '{"namespaces": [{"ns": 4026531833, "type": "net", "pid": 2, "children": {}}]}',
      'not lsns -t net -J output: namespaces[0].children is not an array',
    ],
    [
      '{"namespaces": [{"ns": 1, "type": "net", "pid": 2, "children": [{"ns": "x", "type": "net"}]}]}',
      'not lsns -t net -J output: namespaces[0].children[0].ns is not an integer: "x"',
    ],
  ])('rejects %j with an InputError naming what is wrong', (text, message) => {
    expect(() => parseLsns(text)).toThrow(InputError);
    expect(() => parseLsns(text)).toThrow(message);
  });

  it('rejects JSON that does not parse, keeping the parser error as the cause', () => {
    let error: unknown;
    try {
      parseLsns('{"namespaces": [');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^not lsns -t net -J output: /);
    expect((error as InputError).cause).toBeInstanceOf(SyntaxError);
  });
});
