import { readFileSync } from 'fs';
import * as path from 'path';
import { InputError } from '../../src/core/errors';
import { detectSocketFormat, parseSocketTable, type SocketEntry } from '../../src/core/parse-sockets';

const SAMPLES = path.join(__dirname, '../fixtures/samples');
const FIXTURES = path.join(__dirname, '../fixtures/sockets');
const sample = (name: string): string => readFileSync(path.join(SAMPLES, name), 'utf8');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

/** One socket per line, so that a table reads as a list: `local port > remote port STATE pid program`. */
const brief = (s: SocketEntry): string =>
  `${s.localAddress} ${s.localPort} > ${s.remoteAddress} ${s.remotePort} ${s.state} ${s.pid ?? '-'} ${s.program ?? '-'}`;
const briefs = (text: string): string[] => parseSocketTable(text).sockets.map(brief);
const only = (text: string): SocketEntry => {
  const table = parseSocketTable(text);
  expect(table.skippedLines).toBe(0);
  expect(table.sockets).toHaveLength(1);
  return table.sockets[0] as SocketEntry;
};

const NETSTAT_HEADER =
  'Active Internet connections (w/o servers)\n' +
  'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    \n';
const SS_HEADER = 'State Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n';
const PROC_HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const PROC6_HEADER =
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const procRow = (local: string, remote: string, st: string): string =>
  `   0: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000  1000        0 2290611 2 00000000c0ffee11 20 4 30 10 -1\n`;

describe('detectSocketFormat', () => {
  it.each([
    ['netstat-ptn.txt', 'netstat'],
    ['ss-tnp.txt', 'ss'],
    ['ss-tnp-state-established.txt', 'ss-no-state'],
    ['proc-net-tcp-and-tcp6.txt', 'proc-net-tcp'],
  ])('tells sample %s is %s', (name, format) => {
    expect(detectSocketFormat(sample(name))).toBe(format);
  });

  it.each([
    ['netstat-ptn-dual-stack.txt', 'netstat'],
    ['netstat-ptn-busybox.txt', 'netstat'],
    ['ss-tnp-dual-stack.txt', 'ss'],
    ['ss-tanp-listeners.txt', 'ss'],
    ['ss-tnp-state-established-dual-stack.txt', 'ss-no-state'],
    ['proc-net-tcp-and-tcp6-dual-stack.txt', 'proc-net-tcp'],
  ])('tells fixture %s is %s', (name, format) => {
    expect(detectSocketFormat(fixture(name))).toBe(format);
  });

  it.each([
    [
      'ss -H (no header)',
      'ESTAB 0 0 10.244.1.7:48522 20.60.1.1:443 users:(("node",pid=48211,fd=21))\n',
      'ss',
    ],
    ['ss -H state established', '0 0 [::1]:5432 [::1]:39876\n', 'ss-no-state'],
    [
      'netstat rows after tail -n +3',
      'tcp 0 0 10.244.1.7:48522 20.60.1.1:443 ESTABLISHED 48211/node\n',
      'netstat',
    ],
    ['/proc/net/tcp rows only', procRow('0701F40A:BD8A', '01013C14:01BB', '01'), 'proc-net-tcp'],
    ['only the tcp6 header', PROC6_HEADER, 'proc-net-tcp'],
    [
      "net-tools' root warning ahead of the header",
      '(Not all processes could be identified, non-owned process info\n' +
        ' will not be shown, you would have to be root to see it all.)\n' +
        NETSTAT_HEADER,
      'netstat',
    ],
    ['leading blank lines and CRLF', '\r\n\r\n' + SS_HEADER.replace('\n', '\r\n'), 'ss'],
  ])('tells %s from its first line', (_what, text, format) => {
    expect(detectSocketFormat(text)).toBe(format);
  });

  it.each([
    ['lsns -t net', sample('lsns-t-net.txt')],
    ['lsns -t net -J', sample('lsns-t-net-J.json')],
    ['tcptracer -t4', sample('tcptracer-t4.txt')],
    ['tcptracer -t4v', sample('tcptracer-t4v.txt')],
    ['random text', 'the quick brown fox\njumps over 13 lazy dogs: 10.0.0.1:443\n'],
    [
      'a log that quotes a table below its first line',
      'kubectl exec failed, output was:\n' + sample('ss-tnp.txt'),
    ],
    ['empty text', ''],
    ['whitespace only', '  \n\t\r\n   '],
  ])('calls %s no socket table', (_what, text) => {
    expect(detectSocketFormat(text)).toBeNull();
  });
});

describe('parseSocketTable: netstat -ptn', () => {
  it('reads the net-tools sample: six ESTABLISHED loopback sockets of two python3 processes', () => {
    const table = parseSocketTable(sample('netstat-ptn.txt'));
    expect(table.format).toBe('netstat');
    expect(table.skippedLines).toBe(0);
    expect(table.sockets).toHaveLength(6);
    expect(table.sockets[0]).toStrictEqual({
      localAddress: '127.0.0.1',
      localPort: 18778,
      remoteAddress: '127.0.0.1',
      remotePort: 43492,
      state: 'ESTABLISHED',
      pid: 13269,
      program: 'python3',
    });
    expect(table.sockets.every((s) => s.state === 'ESTABLISHED' && s.program === 'python3')).toBe(true);
    expect(table.sockets.map((s) => s.pid)).toEqual([13269, 13269, 13269, 13311, 13311, 13311]);
  });

  it('reads tcp6 rows: v4-mapped peers, pure IPv6 split on the last colon, `-` owners, argv[0] with a space', () => {
    expect(briefs(fixture('netstat-ptn-dual-stack.txt'))).toEqual([
      '10.244.1.7 48522 > 20.60.1.1 443 ESTABLISHED 48211 node',
      '10.244.1.7 48530 > 20.60.1.1 443 TIME_WAIT - -',
      '10.244.1.7 51010 > 52.239.148.100 443 SYN_SENT 48211 node',
      '10.244.1.7 36802 > 168.63.129.16 80 CLOSE_WAIT 48390 nginx: worker',
      '127.0.0.1 15000 > 127.0.0.1 37410 ESTABLISHED 48102 envoy',
      '10.244.1.7 8080 > 10.244.1.1 51234 ESTABLISHED 48211 node',
      'fd00:10:244:1::7 41822 > 2603:1030:403:3::2a 443 ESTABLISHED 48211 node',
      '::1 5432 > ::1 39876 FIN_WAIT2 - -',
      'fd00:10:244:1::7 41830 > 2603:1030::1 443 LAST_ACK 48211 node',
    ]);
  });

  it('reads busybox netstat, which labels IPv6 rows `tcp` and does not pad the program', () => {
    const table = parseSocketTable(fixture('netstat-ptn-busybox.txt'));
    expect(table.skippedLines).toBe(0);
    expect(table.sockets.map(brief)).toEqual([
      '10.244.2.15 39112 > 20.60.1.1 443 ESTABLISHED 1 node',
      '10.244.2.15 39120 > 20.60.1.1 443 TIME_WAIT - -',
      '10.244.2.15 8080 > 10.244.2.1 60412 ESTABLISHED 1 node',
      '::1 9229 > ::1 40188 ESTABLISHED 23 node',
    ]);
  });

  it.each([
    ['ESTABLISHED', 'ESTABLISHED'],
    ['SYN_SENT', 'SYN_SENT'],
    ['SYN_RECV', 'SYN_RECV'],
    ['FIN_WAIT1', 'FIN_WAIT1'],
    ['FIN_WAIT2', 'FIN_WAIT2'],
    ['TIME_WAIT', 'TIME_WAIT'],
    ['CLOSE', 'CLOSE'],
    ['CLOSE_WAIT', 'CLOSE_WAIT'],
    ['LAST_ACK', 'LAST_ACK'],
    ['LISTEN', 'LISTEN'],
    ['CLOSING', 'CLOSING'],
    ['UNKNOWN', 'UNKNOWN'],
  ])('reads state %s as %s', (word, state) => {
    const row = `tcp        0      0 10.244.1.7:48522        20.60.1.1:443           ${word.padEnd(11)} 48211/node\n`;
    expect(only(NETSTAT_HEADER + row).state).toBe(state);
  });

  it.each([
    ['13269/python3       ', 13269, 'python3'],
    ['-                   ', null, null],
    ['48390/nginx: worker ', 48390, 'nginx: worker'],
    ['6300/./bin/python3  ', 6300, './bin/python3'],
    ['4242/               ', 4242, null],
    ['', null, null],
  ])('reads PID/Program %j as pid %j, program %j', (column, pid, program) => {
    const row = `tcp        0      0 10.244.1.7:48522        20.60.1.1:443           ESTABLISHED ${column}\n`;
    expect(only(NETSTAT_HEADER + row)).toMatchObject({ pid, program });
  });

  it("keeps listeners' wildcard peers as port 0", () => {
    const rows =
      'tcp        0      0 0.0.0.0:8080            0.0.0.0:*               LISTEN      48390/nginx: master \n' +
      'tcp6       0      0 :::9090                 :::*                    LISTEN      48211/node          \n';
    expect(briefs(NETSTAT_HEADER + rows)).toEqual([
      '0.0.0.0 8080 > 0.0.0.0 0 LISTEN 48390 nginx: master',
      ':: 9090 > :: 0 LISTEN 48211 node',
    ]);
  });

  it('does not count the root warning net-tools writes when stderr is merged', () => {
    const text =
      '(Not all processes could be identified, non-owned process info\n' +
      ' will not be shown, you would have to be root to see it all.)\n' +
      sample('netstat-ptn.txt');
    expect(parseSocketTable(text)).toMatchObject({ format: 'netstat', skippedLines: 0 });
  });

  it.each([
    [
      'an IPv6 address cut to its column',
      'tcp6  0 0 fd12:3456:789a:1::40112  2603:1030::1:443  ESTABLISHED 1/node',
    ],
    ['a host name (no -n)', 'tcp   0 0 10.244.1.7:48522  blob.core.windows.net:443  ESTABLISHED 1/node'],
    ['a service name (no -n)', 'tcp   0 0 10.244.1.7:48522  20.60.1.1:https  ESTABLISHED 1/node'],
    ['a state netstat never prints', 'tcp   0 0 10.244.1.7:48522  20.60.1.1:443  ESTAB 1/node'],
    [
      '`-e` columns before PID/Program',
      'tcp   0 0 10.244.1.7:48522  20.60.1.1:443  ESTABLISHED 1000 2290417 1/node',
    ],
    ['a udp row', 'udp   0 0 10.244.1.7:5353  10.0.0.10:53  ESTABLISHED 1/node'],
    ['a port above 65535', 'tcp   0 0 10.244.1.7:65536  20.60.1.1:443  ESTABLISHED 1/node'],
    ['a row cut off by the deadline', 'tcp        0      0 10.244.1.7:48522        20.6'],
  ])('skips %s and counts it', (_what, row) => {
    const table = parseSocketTable(sample('netstat-ptn.txt') + row + '\n');
    expect(table.skippedLines).toBe(1);
    expect(table.sockets).toHaveLength(6);
  });
});

describe('parseSocketTable: ss -tnp', () => {
  it('reads the iproute2 sample: six ESTAB sockets, users:(...) as pid and program', () => {
    const table = parseSocketTable(sample('ss-tnp.txt'));
    expect(table.format).toBe('ss');
    expect(table.skippedLines).toBe(0);
    expect(table.sockets).toHaveLength(6);
    expect(table.sockets[0]).toStrictEqual({
      localAddress: '127.0.0.1',
      localPort: 18778,
      remoteAddress: '127.0.0.1',
      remotePort: 43492,
      state: 'ESTABLISHED',
      pid: 13269,
      program: 'python3',
    });
    expect(table.sockets.every((s) => s.state === 'ESTABLISHED' && s.program === 'python3')).toBe(true);
    expect(table.sockets.map((s) => s.pid)).toEqual([13269, 13269, 13269, 13311, 13311, 13311]);
  });

  it('unbrackets IPv6, drops zones, takes the first of several users and leaves missing owners null', () => {
    expect(briefs(fixture('ss-tnp-dual-stack.txt'))).toEqual([
      '10.244.1.7 48522 > 20.60.1.1 443 ESTABLISHED 48211 node',
      '10.244.1.7 51010 > 52.239.148.100 443 SYN_SENT 48211 node',
      '10.244.1.7 48530 > 20.60.1.1 443 TIME_WAIT - -',
      '10.244.1.7 36802 > 168.63.129.16 80 CLOSE_WAIT 48390 nginx',
      '10.244.1.7 52144 > 10.0.0.10 6379 ESTABLISHED 48533 celery',
      '10.244.1.7 40404 > 168.63.129.16 32526 ESTABLISHED 48810 health probe',
      '10.244.1.7 8080 > 10.244.1.1 51234 ESTABLISHED 48211 node',
      'fd00:10:244:1::7 41822 > 2603:1030:403:3::2a 443 ESTABLISHED 48211 node',
      '::1 5432 > ::1 39876 FIN_WAIT2 - -',
      'fd00:10:244:1::7 41830 > 2603:1030::1 443 LAST_ACK 48211 node',
      'fe80::a8b4:5eff:fe3c:1d2e 22 > fe80::1 50322 ESTABLISHED 48700 sshd',
    ]);
  });

  it('keeps listeners: `*` is the dual-stack :: and a `*` port is 0', () => {
    const table = parseSocketTable(fixture('ss-tanp-listeners.txt'));
    expect(table.skippedLines).toBe(0);
    expect(table.sockets.map(brief)).toEqual([
      '0.0.0.0 8080 > 0.0.0.0 0 LISTEN 48390 nginx',
      '127.0.0.1 15000 > 0.0.0.0 0 LISTEN 48102 envoy',
      ':: 9090 > :: 0 LISTEN 48211 node',
      ':: 22 > :: 0 LISTEN 48700 sshd',
      '10.244.1.7 45000 > 0.0.0.0 0 CLOSE 48211 node',
      '10.244.1.7 8080 > 10.244.1.1 60130 SYN_RECV - -',
      '10.244.1.7 8080 > 10.244.1.1 60120 ESTABLISHED 48390 nginx',
      '10.244.1.7 8080 > 10.244.1.1 60124 FIN_WAIT1 - -',
      '10.244.1.7 8080 > 10.244.1.1 60126 CLOSING - -',
    ]);
  });

  it.each([
    ['ESTAB', 'ESTABLISHED'],
    ['SYN-SENT', 'SYN_SENT'],
    ['SYN-RECV', 'SYN_RECV'],
    ['FIN-WAIT-1', 'FIN_WAIT1'],
    ['FIN-WAIT-2', 'FIN_WAIT2'],
    ['TIME-WAIT', 'TIME_WAIT'],
    ['CLOSE', 'CLOSE'],
    ['UNCONN', 'CLOSE'],
    ['CLOSE-WAIT', 'CLOSE_WAIT'],
    ['LAST-ACK', 'LAST_ACK'],
    ['LISTEN', 'LISTEN'],
    ['CLOSING', 'CLOSING'],
    ['UNKNOWN', 'UNKNOWN'],
  ])('reads state %s as %s', (word, state) => {
    expect(only(`${SS_HEADER}${word} 0 0 10.244.1.7:48522 20.60.1.1:443\n`).state).toBe(state);
  });

  it.each([
    ['[::ffff:10.0.0.1]:443', '10.0.0.1', 443], // an AF_INET6 socket's IPv4 peer is that IPv4 address
    ['[2603:1030::1]:443', '2603:1030::1', 443],
    ['[fe80::1]%eth0:22', 'fe80::1', 22],
    ['10.0.0.4%eth0:22', '10.0.0.4', 22],
    ['127.0.0.1%lo:15000', '127.0.0.1', 15000],
    ['*:*', '::', 0],
    ['0.0.0.0:*', '0.0.0.0', 0],
    ['[::]:*', '::', 0],
  ])('reads local endpoint %s as %s port %d', (endpoint, address, port) => {
    expect(only(`${SS_HEADER}ESTAB 0 0 ${endpoint} 20.60.1.1:443\n`)).toMatchObject({
      localAddress: address,
      localPort: port,
    });
  });

  it.each([
    ['users:(("python3",pid=13269,fd=4))', 13269, 'python3'],
    ['users:(("celery",pid=48533,fd=12),("celery",pid=48530,fd=12))', 48533, 'celery'],
    ['users:(("Web Content",pid=7121,fd=88))', 7121, 'Web Content'],
    ['users:(("a",pid=1,fd=3),("b",pid=2,fd=5))', 1, 'a'],
    ['', null, null],
    ['ino:2290417 sk:3e cgroup:/kubepods <->', null, null],
  ])('reads Process %j as pid %j, program %j', (process, pid, program) => {
    expect(only(`${SS_HEADER}ESTAB 0 0 10.244.1.7:48522 20.60.1.1:443 ${process}\n`)).toMatchObject({
      pid,
      program,
    });
  });

  it.each([
    ['a service name (no -n)', 'ESTAB 0 0 10.244.1.7:48522 20.60.1.1:https'],
    ['a host name (no -n)', 'ESTAB 0 0 10.244.1.7:48522 blob.core.windows.net:443'],
    ['an unclosed bracket', 'ESTAB 0 0 [fd00:10:244:1::7:41822 20.60.1.1:443'],
    ['a state ss never prints', 'ESTABLISHED 0 0 10.244.1.7:48522 20.60.1.1:443'],
    ['a row cut off by the deadline', 'ESTAB 0 0 10.244.1.7:48522'],
  ])('skips %s and counts it', (_what, row) => {
    const table = parseSocketTable(sample('ss-tnp.txt') + row + '\n');
    expect(table.skippedLines).toBe(1);
    expect(table.sockets).toHaveLength(6);
  });
});

describe('parseSocketTable: ss -tnp state established (no State column)', () => {
  it('reads the sample as six ESTABLISHED sockets', () => {
    const table = parseSocketTable(sample('ss-tnp-state-established.txt'));
    expect(table.format).toBe('ss-no-state');
    expect(table.skippedLines).toBe(0);
    expect(table.sockets[0]).toStrictEqual({
      localAddress: '127.0.0.1',
      localPort: 18778,
      remoteAddress: '127.0.0.1',
      remotePort: 43492,
      state: 'ESTABLISHED',
      pid: 13269,
      program: 'python3',
    });
    expect(table.sockets.map((s) => `${s.state} ${s.pid}`)).toEqual([
      'ESTABLISHED 13269',
      'ESTABLISHED 13269',
      'ESTABLISHED 13269',
      'ESTABLISHED 13311',
      'ESTABLISHED 13311',
      'ESTABLISHED 13311',
    ]);
  });

  it('reads bracketed IPv6 and v4-mapped peers', () => {
    expect(briefs(fixture('ss-tnp-state-established-dual-stack.txt'))).toEqual([
      '10.244.1.7 48522 > 20.60.1.1 443 ESTABLISHED 48211 node',
      '10.244.1.7 8080 > 10.244.1.1 51234 ESTABLISHED 48211 node',
      'fd00:10:244:1::7 41822 > 2603:1030:403:3::2a 443 ESTABLISHED 48211 node',
      '::1 5432 > ::1 39876 ESTABLISHED 48601 postgres',
    ]);
  });
});

describe('parseSocketTable: /proc/net/tcp and /proc/net/tcp6', () => {
  it('reads the sample: two LISTEN and six ESTABLISHED, with inodes and no owner', () => {
    const table = parseSocketTable(sample('proc-net-tcp-and-tcp6.txt'));
    expect(table.format).toBe('proc-net-tcp');
    expect(table.skippedLines).toBe(0);
    expect(table.sockets).toHaveLength(8);
    expect(table.sockets[0]).toStrictEqual({
      localAddress: '127.0.0.1',
      localPort: 18778,
      remoteAddress: '0.0.0.0',
      remotePort: 0,
      state: 'LISTEN',
      pid: null,
      program: null,
      inode: 30457,
    });
    expect(table.sockets.map((s) => `${s.state} ${s.inode}`)).toEqual([
      'LISTEN 30457',
      'LISTEN 122',
      'ESTABLISHED 31462',
      'ESTABLISHED 31463',
      'ESTABLISHED 31464',
      'ESTABLISHED 30470',
      'ESTABLISHED 30471',
      'ESTABLISHED 30472',
    ]);
  });

  it('reads both files of a dual-stack pod, TIME_WAIT and request rows included, as netstat would print them', () => {
    const table = parseSocketTable(fixture('proc-net-tcp-and-tcp6-dual-stack.txt'));
    expect(table.skippedLines).toBe(0);
    expect(table.sockets.map((s) => `${brief(s)} #${s.inode}`)).toEqual([
      '0.0.0.0 8080 > 0.0.0.0 0 LISTEN - - #2289311',
      '10.244.1.7 48522 > 20.60.1.1 443 ESTABLISHED - - #2290417',
      '10.244.1.7 48530 > 20.60.1.1 443 TIME_WAIT - - #0',
      '10.244.1.7 51010 > 52.239.148.100 443 SYN_SENT - - #2290502',
      '10.244.1.7 36802 > 168.63.129.16 80 CLOSE_WAIT - - #2290388',
      '10.244.1.7 8080 > 10.244.1.1 60130 SYN_RECV - - #0',
      ':: 9090 > :: 0 LISTEN - - #2289530',
      '10.244.1.7 8080 > 10.244.1.1 51234 ESTABLISHED - - #2290611',
      'fd00:10:244:1::7 41822 > 2603:1030:403:3::2a 443 ESTABLISHED - - #2290640',
      '::1 5432 > ::1 39876 FIN_WAIT2 - - #2290652',
      'fd00:10:244:1::7 41830 > 2603:1030::1 443 LAST_ACK - - #2290670',
    ]);
  });

  it.each([
    ['0100007F', '127.0.0.1'],
    ['0701F40A', '10.244.1.7'],
    ['6494EF34', '52.239.148.100'],
    ['00000000', '0.0.0.0'],
    ['00000000000000000000000001000000', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['0000000000000000FFFF00000100000A', '10.0.0.1'], // v4-mapped: the IPv4 address
    ['3010032603000304000000002A000000', '2603:1030:403:3::2a'],
    ['000080FE000000000000000001000000', 'fe80::1'],
    ['100000FD010044020000000007000000', 'fd00:10:244:1::7'],
  ])('reads little-endian words %s as %s', (hex, address) => {
    const header = hex.length === 8 ? PROC_HEADER : PROC6_HEADER;
    expect(only(header + procRow(`${hex}:01BB`, `${hex}:C822`, '01'))).toMatchObject({
      localAddress: address,
      localPort: 443,
      remoteAddress: address,
      remotePort: 51234,
    });
  });

  it.each([
    ['01', 'ESTABLISHED'],
    ['02', 'SYN_SENT'],
    ['03', 'SYN_RECV'],
    ['04', 'FIN_WAIT1'],
    ['05', 'FIN_WAIT2'],
    ['06', 'TIME_WAIT'],
    ['07', 'CLOSE'],
    ['08', 'CLOSE_WAIT'],
    ['09', 'LAST_ACK'],
    ['0A', 'LISTEN'],
    ['0B', 'CLOSING'],
    ['0C', 'NEW_SYN_RECV'],
    ['00', 'UNKNOWN'],
    ['0D', 'UNKNOWN'],
  ])('reads st %s as %s', (st, state) => {
    expect(only(PROC_HEADER + procRow('0701F40A:BD8A', '01013C14:01BB', st)).state).toBe(state);
  });

  it.each([
    ['a row cut off by the deadline', '   9: 0701F40A:BD8A 01013C14:01BB 01 00000000:00000000 02:00'],
    [
      'an IPv4 local and an IPv6 remote',
      procRow('0701F40A:BD8A', '00000000000000000000000001000000:01BB', '01'),
    ],
    ['an address of the wrong width', procRow('701F40A:BD8A', '01013C14:01BB', '01')],
  ])('skips %s and counts it', (_what, row) => {
    const table = parseSocketTable(sample('proc-net-tcp-and-tcp6.txt') + row.trimEnd() + '\n');
    expect(table.skippedLines).toBe(1);
    expect(table.sockets).toHaveLength(8);
  });
});

describe('parseSocketTable: whatever the format', () => {
  it.each([
    ['sample', 'netstat-ptn.txt'],
    ['sample', 'ss-tnp.txt'],
    ['sample', 'ss-tnp-state-established.txt'],
    ['sample', 'proc-net-tcp-and-tcp6.txt'],
    ['fixture', 'netstat-ptn-dual-stack.txt'],
    ['fixture', 'ss-tnp-dual-stack.txt'],
    ['fixture', 'proc-net-tcp-and-tcp6-dual-stack.txt'],
  ])('reads %s %s the same with CRLF line endings', (kind, name) => {
    const text = kind === 'sample' ? sample(name) : fixture(name);
    const crlf = text.replace(/\n/g, '\r\n');
    expect(crlf).not.toBe(text);
    expect(parseSocketTable(crlf)).toEqual(parseSocketTable(text));
  });

  it('skips blank lines and repeated headers without counting them, and counts each junk line once', () => {
    const text = [
      '',
      sample('netstat-ptn.txt'),
      '   ',
      NETSTAT_HEADER,
      'tcp        0      0 10.244.1.7:48522        20.60.1.1:443           ESTABLISHED 48211/node',
      'Killed',
      '  sl  local_address rem_address   st tx_queue',
      'tcp        0      0 10.244.1.7:48530',
    ].join('\n');
    const table = parseSocketTable(text);
    expect(table.sockets).toHaveLength(7);
    expect(table.skippedLines).toBe(3);
  });

  it.each([
    ['empty text', ''],
    ['lsns -t net', sample('lsns-t-net.txt')],
    ['tcptracer -t4v', sample('tcptracer-t4v.txt')],
    ['random text', 'hello\nworld\n'],
  ])('throws an InputError naming the expected formats for %s', (_what, text) => {
    expect(() => parseSocketTable(text)).toThrow(InputError);
    expect(() => parseSocketTable(text)).toThrow(
      /^unknown socket table format \(expected netstat -ptn, ss -tnp or \/proc\/net\/tcp output\)$/,
    );
  });
});

describe('ss headers run together', () => {
  it.each([
    ['State Recv-Q Send-Q Local Address:Port    Peer Address:PortProcess', 'ss'],
    ['Recv-Q Send-Q Local Address:Port    Peer Address:PortProcess', 'ss-no-state'],
  ])('reads %j (every peer port short: ss runs the labels together)', (header, format) => {
    const row =
      format === 'ss'
        ? 'ESTAB 0      0          10.244.1.7:41000   20.50.2.10:443 users:(("java",pid=42,fd=7))'
        : '0      0          10.244.1.7:41000   20.50.2.10:443 users:(("java",pid=42,fd=7))';
    const table = parseSocketTable(`${header}\n${row}\n`);
    expect(table.format).toBe(format);
    expect(table.sockets).toEqual([
      {
        localAddress: '10.244.1.7',
        localPort: 41000,
        remoteAddress: '20.50.2.10',
        remotePort: 443,
        state: 'ESTABLISHED',
        pid: 42,
        program: 'java',
      },
    ]);
  });
});
