import { closeSync, openSync, writeSync } from 'node:fs';

/** mulberry32: a tiny seeded PRNG, so the same seed always writes the same log. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMS = [
  'envoy',
  'java',
  'node worker 1',
  'Web Content',
  'C2 CompilerThre',
  'tokio-runtime-w',
  'python3',
  'curl',
];
const PUBLIC = ['20.50.2.10', '52.239.148.100', '40.126.32.134', '13.107.42.14', '104.208.16.91'];
const PRIVATE = ['10.0.0.5', '10.1.4.20', '172.16.5.5', '192.168.1.10', '168.63.129.16', '169.254.169.254'];
const PORTS = [443, 80, 5432, 6379, 8443, 1433];

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/**
 * Writes a `tcptracer -t4v` log of `events` events in bcc's exact printf layout: 40 pods plus the host,
 * one pod making a third of all connects, COMMs with spaces, wide PIDs, and a lost-samples notice every
 * 100,000 events. `-4` traces IPv4 only, so by default there is no IPv6 line; `ipv6Share` adds some
 * (as `tcptracer -tv` would print them) for the tests of the reader's other path.
 */
export function generateTrace(path: string, events: number, seed = 42, ipv6Share = 0): void {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // Each pod runs a handful of processes; the host netns many more (kubelet, daemons, hostNetwork pods).
  const sources = Array.from({ length: 40 }, (_, i) => ({
    saddr: `10.244.${1 + (i % 4)}.${7 + i}`,
    netns: 4026532785 + i * 97,
    pids: Array.from({ length: 1 + (i % 4) }, (_, k) => 1000 + i * 50 + k),
  }));
  sources.push({
    saddr: '10.224.0.4',
    netns: 4026531992,
    pids: Array.from({ length: 40 }, (_, k) => 300 + k),
  });
  const fd = openSync(path, 'w');
  let buffer =
    'Tracing TCP established connections. Ctrl-C to end.\n' +
    'TIME(ns)      TYPE         PID    COMM             IP SADDR            DADDR            SPORT  DPORT  NETNS   \n';
  let time = 0;
  for (let i = 0; i < events; i++) {
    time += 1 + Math.floor(random() * 60_000);
    const roll = random();
    const type = roll < 0.5 ? 'connect' : roll < 0.95 ? 'close' : 'accept';
    const source = random() < 0.33 ? sources[0]! : pick(sources);
    const ipv6 = random() < ipv6Share;
    const daddr = ipv6 ? '[2603:1030:403:3::2a]' : random() < 0.6 ? pick(PUBLIC) : pick(PRIVATE);
    const saddr = ipv6 ? '[fd00:1::7]' : source.saddr;
    const pid = random() < 0.1 ? 4194303 : pick(source.pids);
    buffer +=
      pad(String(time), 14) +
      pad(type, 12) +
      ' ' +
      pad(String(pid), 6) +
      ' ' +
      pad(pick(COMMS), 16) +
      ' ' +
      pad(ipv6 ? '6' : '4', 2) +
      ' ' +
      pad(saddr, 16) +
      ' ' +
      pad(daddr, 16) +
      ' ' +
      pad(String(32768 + Math.floor(random() * 28000)), 6) +
      ' ' +
      pad(String(pick(PORTS)), 6) +
      ' ' +
      pad(String(source.netns), 8) +
      '\n';
    if (i % 100_000 === 99_999) buffer += `Possibly lost ${1 + Math.floor(random() * 50)} samples\n`;
    if (buffer.length > 1 << 20) {
      writeSync(fd, buffer);
      buffer = '';
    }
  }
  writeSync(fd, buffer);
  closeSync(fd);
}
