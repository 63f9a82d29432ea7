import { parseTraceLine } from '../../src/core/parse-tcptracer';

describe('parseTraceLine reads tcptracer lines from both ends', () => {
  it.each([
    [
      '-t4v (TIME ns, long TYPE, NETNS)',
      '3268438       connect      4194303 abcdefghijklmno  4  10.244.1.15      100.64.3.3       40032  5432   4026533111',
      {
        timeSeconds: 0.003268438,
        type: 'connect',
        pid: 4194303,
        comm: 'abcdefghijklmno',
        ipVersion: 4,
        saddr: '10.244.1.15',
        daddr: '100.64.3.3',
        sport: 40032,
        dport: 5432,
        netns: 4026533111,
      },
    ],
    [
      '-t4 (TIME s, one-letter T, no NETNS)',
      '0.025    C  4194303 Signal Dispatch  4  10.244.1.7       40.126.32.134    52919  6379  ',
      {
        timeSeconds: 0.025,
        type: 'connect',
        pid: 4194303,
        comm: 'Signal Dispatch',
        ipVersion: 4,
        saddr: '10.244.1.7',
        daddr: '40.126.32.134',
        sport: 52919,
        dport: 6379,
        netns: null,
      },
    ],
    [
      'no -t, no -v',
      'X  33     node worker 1    4  10.244.1.12      169.254.169.254  55161  80    ',
      {
        timeSeconds: null,
        type: 'close',
        pid: 33,
        comm: 'node worker 1',
        ipVersion: 4,
        saddr: '10.244.1.12',
        daddr: '169.254.169.254',
        sport: 55161,
        dport: 80,
        netns: null,
      },
    ],
    [
      '-v without -t',
      'accept       912    java             6  [fd00:1::7]      [2603:1030:403:3::2a] 45056  443    4026533200',
      {
        timeSeconds: null,
        type: 'accept',
        pid: 912,
        comm: 'java',
        ipVersion: 6,
        saddr: '[fd00:1::7]',
        daddr: '[2603:1030:403:3::2a]',
        sport: 45056,
        dport: 443,
        netns: 4026533200,
      },
    ],
    [
      'COMM that is a type word and a number',
      '0.119    A  18627  C 42             4  10.244.1.7       52.239.148.100   58231  5432  ',
      {
        timeSeconds: 0.119,
        type: 'accept',
        pid: 18627,
        comm: 'C 42',
        ipVersion: 4,
        saddr: '10.244.1.7',
        daddr: '52.239.148.100',
        sport: 58231,
        dport: 5432,
        netns: null,
      },
    ],
    [
      'empty COMM',
      '51486681      close        18627                   4  10.244.1.9       40.126.32.134    37815  5432   4026532901',
      {
        timeSeconds: 0.051486681,
        type: 'close',
        pid: 18627,
        comm: '',
        ipVersion: 4,
        saddr: '10.244.1.9',
        daddr: '40.126.32.134',
        sport: 37815,
        dport: 5432,
        netns: 4026532901,
      },
    ],
    [
      'v4-mapped peer, unknown type, CRLF',
      '60285485      unknown      912    Web Content      6  [fd00:1::7]      [::ffff:20.60.1.1] 33164  443    4026533200\r',
      {
        timeSeconds: 0.060285485,
        type: 'unknown',
        pid: 912,
        comm: 'Web Content',
        ipVersion: 6,
        saddr: '[fd00:1::7]',
        daddr: '[::ffff:20.60.1.1]',
        sport: 33164,
        dport: 443,
        netns: 4026533200,
      },
    ],
    [
      'a trace longer than 10 s in ns',
      '12345678901234 connect      77     curl             4  10.244.1.7       20.50.2.10       40000  443    4026532785',
      {
        timeSeconds: 12345.678901234,
        type: 'connect',
        pid: 77,
        comm: 'curl',
        ipVersion: 4,
        saddr: '10.244.1.7',
        daddr: '20.50.2.10',
        sport: 40000,
        dport: 443,
        netns: 4026532785,
      },
    ],
  ])('%s', (_layout, line, event) => {
    expect(parseTraceLine(line)).toEqual({ kind: 'event', event });
  });

  it.each([
    ['Possibly lost 9 samples', 9],
    ['Possibly lost 1 samples\r', 1],
    ['Possibly lost 123456 samples', 123456],
  ])('reads %j as lost samples', (line, samples) => {
    expect(parseTraceLine(line)).toEqual({ kind: 'lost', samples });
  });

  it.each([
    ['banner', 'Tracing TCP established connections. Ctrl-C to end.'],
    [
      '-v header',
      'TIME(ns)      TYPE         PID    COMM             IP SADDR            DADDR            SPORT  DPORT  NETNS   ',
    ],
    ['header', 'TIME(s)  T  PID    COMM             IP SADDR            DADDR            SPORT  DPORT '],
    ['blank', ''],
    ['spaces', '    \t '],
    ['cut after COMM', '282472656     close        18627  tok'],
    ['cut inside COMM', '0.119    C  4194303 Web Conte'],
    ['cut inside DADDR', '90637102      connect      18627  abcdefghijklmno  4  10.244.1.7       192.16'],
    [
      'bad type',
      '3268438       opened       4194303 curl             4  10.244.1.15      100.64.3.3       40032  5432   4026533111',
    ],
    [
      'port past 65535',
      '3268438       connect      42     curl             4  10.244.1.15      100.64.3.3       40032  65536  4026533111',
    ],
    [
      'IPv6 address without brackets',
      '3268438       connect      42     curl             6  fd00:1::7        2603:1030::1     40032  443    4026533200',
    ],
    [
      'IPv4 address in a v6 row',
      '3268438       connect      42     curl             6  10.244.1.15      100.64.3.3       40032  443    4026533200',
    ],
    [
      'non-numeric PID',
      '3268438       connect      4x     curl             4  10.244.1.15      100.64.3.3       40032  5432   4026533111',
    ],
    [
      'non-numeric NETNS',
      '3268438       connect      42     curl             4  10.244.1.15      100.64.3.3       40032  5432   40265x',
    ],
    [
      'seconds TIME in a -v row',
      '0.003         connect      42     curl             4  10.244.1.15      100.64.3.3       40032  5432   4026533111',
    ],
    ['libbcc noise', 'Possibly lost some samples'],
    ['python traceback', 'Traceback (most recent call last):'],
  ])('skips a %s line', (_what, line) => {
    expect(parseTraceLine(line)).toEqual({ kind: 'skipped' });
  });
});
