/**
 * The hot loop of the tcptracer reader, in AssemblyScript (compiled to WebAssembly by `npm run build:wasm`).
 *
 * It accepts exactly one layout — a `tcptracer -t4v` IPv4 line as bcc prints it, every padding byte
 * checked — and counts each accepted event as a tuple (type, pid, saddr, daddr, dport, netns) in an
 * open-addressing table. Every other line (IPv6, other layouts, banners, lost-sample notices, cut-off or
 * garbled lines) is handed back to JavaScript's general scanner, which decides. So whatever this accepts,
 * the general scanner would read the same way; the tests hold the two to that.
 *
 * Memory: [table][used slots][rejected lines][new connect COMMs][input]. JavaScript reads the lists and
 * the table through the exported offsets.
 */

const SLOT_BYTES: u32 = 32;
const TABLE_SLOTS: u32 = 1 << 17;
/** Entries before JavaScript must fold the table (half the slots: probes stay short). */
const MAX_ENTRIES: u32 = 1 << 16;
const MAX_REJECTS: u32 = 4096;
const MAX_COMMS: u32 = 4096;
const INPUT_BYTES: u32 = 4 << 20;

const TABLE: u32 = 0;
const USED: u32 = TABLE + TABLE_SLOTS * SLOT_BYTES;
const REJECTS: u32 = USED + MAX_ENTRIES * 4;
const COMMS: u32 = REJECTS + MAX_REJECTS * 8;
const INPUT: u32 = COMMS + MAX_COMMS * 12;
/** Bytes after the input that a parser may read ahead into before it checks the bound. */
const GUARD: u32 = 16;
const END: u32 = INPUT + INPUT_BYTES + GUARD;

let entries: u32 = 0;
let rejects: u32 = 0;
let comms: u32 = 0;
let connects: u32 = 0;
let accepts: u32 = 0;
let closes: u32 = 0;
let unknowns: u32 = 0;
let firstTime: f64 = Infinity;
let lastTime: f64 = -Infinity;

export function init(): u32 {
  const pages = <i32>((END + 0xffff) >> 16) - memory.size();
  if (pages > 0) memory.grow(pages);
  return INPUT;
}

export function inputBytes(): u32 { return INPUT_BYTES; }
export function tableOffset(): u32 { return TABLE; }
export function usedOffset(): u32 { return USED; }
export function rejectsOffset(): u32 { return REJECTS; }
export function commsOffset(): u32 { return COMMS; }
export function entryCount(): u32 { return entries; }
export function rejectCount(): u32 { return rejects; }
export function commCount(): u32 { return comms; }
export function tableFull(): bool { return entries >= MAX_ENTRIES; }
export function eventCount(type: u32): u32 {
  return type == 0 ? connects : type == 1 ? accepts : type == 2 ? closes : unknowns;
}
export function firstEventTime(): f64 { return firstTime; }
export function lastEventTime(): f64 { return lastTime; }

export function clearLists(): void {
  rejects = 0;
  comms = 0;
}

/** Empties the table after JavaScript folded it. */
export function clearTable(): void {
  for (let k: u32 = 0; k < entries; k++) store<u32>(TABLE + load<u32>(USED + k * 4) * SLOT_BYTES + 24, 0);
  entries = 0;
}

@inline function isDigit(c: u32): bool { return c - 48 < 10; }

const EIGHT_SPACES: u64 = 0x2020202020202020;
// "connect ", "accept  ", "close   " and "unknown " read as little-endian u64.
const CONNECT_WORD: u64 = 0x207463656e6e6f63;
const ACCEPT_WORD: u64 = 0x2020747065636361;
const CLOSE_WORD: u64 = 0x20202065736f6c63;
const UNKNOWN_WORD: u64 = 0x206e776f6e6b6e75;

/** Spaces over [from, to): the padding of a printf `%-Ns` field, checked eight bytes at a time. */
@inline function spaces(from: u32, to: u32): bool {
  let p = from;
  for (; p + 8 <= to; p += 8) if (load<u64>(p) != EIGHT_SPACES) return false;
  for (; p < to; p++) if (load<u8>(p) != 32) return false;
  return true;
}

const ONES: u64 = 0x0101010101010101;
const HIGHS: u64 = 0x8080808080808080;
const NEWLINES: u64 = 0x0a0a0a0a0a0a0a0a;

/** No newline among the 16 bytes of COMM at p (any other byte may be there): two 8-byte tests. */
@inline function commHasNoNewline(p: u32): bool {
  const a = load<u64>(p) ^ NEWLINES;
  const b = load<u64>(p + 8) ^ NEWLINES;
  // A byte of x is zero exactly where (x - 0x01..) & ~x & 0x80.. has its high bit set.
  return ((((a - ONES) & ~a) | ((b - ONES) & ~b)) & HIGHS) == 0;
}

/** The value of the last dotted quad read. */
let quad: u32 = 0;

/**
 * One octet at p: 1 to 3 digits, no leading zero, at most 255, then `after`; where `after` is, or 0.
 * It reads up to three bytes ahead before checking `end` (the GUARD keeps that inside memory).
 */
@inline function octet(p: u32, end: u32, after: u32): u32 {
  let c = <u32>load<u8>(p);
  if (!isDigit(c)) return 0;
  let value = c - 48;
  let q = p + 1;
  c = <u32>load<u8>(q);
  if (isDigit(c)) {
    if (value == 0) return 0;
    value = value * 10 + (c - 48);
    q++;
    c = <u32>load<u8>(q);
    if (isDigit(c)) {
      value = value * 10 + (c - 48);
      q++;
      c = <u32>load<u8>(q);
    }
  }
  if (c != after || value > 255 || q >= end) return 0;
  quad = (quad << 8) | value;
  return q;
}

/** The end of the dotted quad at p (the space after it), or 0; its value in `quad`. */
@inline function dottedQuad(p: u32, end: u32): u32 {
  quad = 0;
  p = octet(p, end, 46);
  if (p == 0) return 0;
  p = octet(p + 1, end, 46);
  if (p == 0) return 0;
  p = octet(p + 1, end, 46);
  if (p == 0) return 0;
  return octet(p + 1, end, 32);
}

/**
 * Reads the line at s if it is a -t4v IPv4 event, and returns where its newline is; 0 leaves it to the
 * general scanner. `e` bounds the input, not the line: every loop stops at a byte a field cannot hold,
 * and the newline must come exactly where the line's last field and padding end.
 */
function event(s: u32, e: u32): u32 {
  // TIME: %-14d nanoseconds, 1 to 13 digits and padding.
  let p = s;
  let time: u64 = 0;
  while (p < e && isDigit(load<u8>(p))) {
    time = time * 10 + <u64>(load<u8>(p) - 48);
    p++;
  }
  const typeAt = s + 14;
  if (p == s || p >= typeAt || typeAt + 13 > e || !spaces(p, typeAt)) return 0;

  // TYPE: %-12s and a space; PID starts 13 columns on. Each word and its padding fill eight bytes
  // exactly ("close" and three spaces), so one load tells the four apart.
  const word = load<u64>(typeAt);
  let type: u32;
  if (word == CONNECT_WORD) type = 0;
  else if (word == ACCEPT_WORD) type = 1;
  else if (word == CLOSE_WORD) type = 2;
  else if (word == UNKNOWN_WORD) type = 3;
  else return 0;
  const pidAt = typeAt + 13;
  if (!spaces(typeAt + 8, pidAt)) return 0;

  // PID: %-6d and a space (a PID up to 7 digits pushes the rest right).
  let pid: u32 = 0;
  p = pidAt;
  while (p < e && isDigit(load<u8>(p))) {
    pid = pid * 10 + (load<u8>(p) - 48);
    p++;
  }
  const pidLength = p - pidAt;
  // Past pid_max's limit (4,194,304 on 64-bit) it is no PID: the general scanner skips the line.
  if (pidLength == 0 || pidLength > 7 || pid > 4194303) return 0;
  const commAt = pidAt + (pidLength > 6 ? pidLength : 6) + 1;
  // COMM: 16 bytes of anything but a newline, then a space; IP: "4" and two spaces.
  const ipAt = commAt + 17;
  if (ipAt + 3 >= e || !spaces(p, commAt) || load<u8>(ipAt - 1) != 32 || !commHasNoNewline(commAt)) return 0;
  if (load<u8>(ipAt) != 52 || load<u8>(ipAt + 1) != 32 || load<u8>(ipAt + 2) != 32) return 0;

  // SADDR, DADDR: %-16s and a space each.
  const saddrAt = ipAt + 3;
  const saddrEnd = dottedQuad(saddrAt, e);
  if (saddrEnd == 0) return 0;
  const saddr = quad;
  const saddrLength = saddrEnd - saddrAt;
  const daddrAt = saddrAt + (saddrLength > 16 ? saddrLength : 16) + 1;
  if (daddrAt >= e || !spaces(saddrEnd, daddrAt)) return 0;
  const daddrEnd = dottedQuad(daddrAt, e);
  if (daddrEnd == 0) return 0;
  const daddr = quad;
  const daddrLength = daddrEnd - daddrAt;
  const sportAt = daddrAt + (daddrLength > 16 ? daddrLength : 16) + 1;
  if (sportAt >= e || !spaces(daddrEnd, sportAt)) return 0;

  // SPORT, DPORT: %-6d, a space between; then a space and NETNS.
  let port: u32 = 0;
  p = sportAt;
  while (p < e && isDigit(load<u8>(p))) {
    port = port * 10 + (load<u8>(p) - 48);
    p++;
  }
  if (p == sportAt || p - sportAt > 5 || port > 65535) return 0;
  const dportAt = sportAt + 7;
  if (dportAt >= e || !spaces(p, dportAt)) return 0;
  let dport: u32 = 0;
  p = dportAt;
  while (p < e && isDigit(load<u8>(p))) {
    dport = dport * 10 + (load<u8>(p) - 48);
    p++;
  }
  if (p == dportAt || p - dportAt > 5 || dport > 65535) return 0;
  const netnsAt = dportAt + 7;
  if (netnsAt >= e || !spaces(p, netnsAt)) return 0;
  let netns: u64 = 0;
  p = netnsAt;
  while (p < e && isDigit(load<u8>(p))) {
    netns = netns * 10 + <u64>(load<u8>(p) - 48);
    p++;
  }
  if (p == netnsAt || p - netnsAt > 10 || netns > 0xffffffff) return 0;
  // Then only padding (or a CR, when the file came through Windows) up to the newline.
  for (; p < e; p++) {
    const c = load<u8>(p);
    if (c == 10) break;
    if (c != 32 && c != 13 && c != 9) return 0;
  }
  if (p == e) return 0;

  if (type == 0) connects++;
  else if (type == 1) accepts++;
  else if (type == 2) closes++;
  else unknowns++;
  const seconds = <f64>time / 1e9;
  if (seconds < firstTime) firstTime = seconds;
  if (seconds > lastTime) lastTime = seconds;
  // Only a connect needs its process and destination; accepts and closes count per source.
  const slot = type == 0 ? count(pid << 2, saddr, daddr, dport, <u32>netns) : count(type, saddr, 0, 0, <u32>netns);
  if (slot >= 0 && type == 0) {
    const at = COMMS + comms * 12;
    store<u32>(at, <u32>slot);
    store<u32>(at + 4, commAt - INPUT);
    store<u32>(at + 8, ipAt - 1 - INPUT);
    comms++;
  }
  return p;
}

/** Counts one tuple; its slot when it is new, else -1. */
@inline function count(typeAndPid: u32, saddr: u32, daddr: u32, dport: u32, netns: u32): i32 {
  let h = (typeAndPid ^ (saddr * 0x9e3779b1)) * 0x85ebca6b;
  h = (h ^ daddr ^ (dport << 8) ^ netns) * 0xc2b2ae35;
  h ^= h >> 15;
  let i = h & (TABLE_SLOTS - 1);
  while (true) {
    const at = TABLE + i * SLOT_BYTES;
    const n = load<u32>(at + 24);
    if (n == 0) {
      store<u32>(at, typeAndPid);
      store<u32>(at + 4, saddr);
      store<u32>(at + 8, daddr);
      store<u32>(at + 12, dport);
      store<u32>(at + 16, netns);
      store<u32>(at + 24, 1);
      store<u32>(USED + entries * 4, i);
      entries++;
      return <i32>i;
    }
    if (load<u32>(at) == typeAndPid && load<u32>(at + 4) == saddr && load<u32>(at + 8) == daddr &&
        load<u32>(at + 12) == dport && load<u32>(at + 16) == netns) {
      store<u32>(at + 24, n + 1);
      return -1;
    }
    i = (i + 1) & (TABLE_SLOTS - 1);
  }
}

/**
 * Reads whole lines of input[from, to) (offsets into the input area) and returns where it stopped: after
 * the last whole line, or earlier when a list or the table needs JavaScript's attention.
 */
export function scan(from: u32, to: u32): u32 {
  let s = INPUT + from;
  const stop = INPUT + to;
  while (s < stop) {
    if (rejects == MAX_REJECTS || comms == MAX_COMMS || entries >= MAX_ENTRIES) break;
    let e = event(s, stop);
    if (e == 0) {
      e = s;
      while (e < stop && load<u8>(e) != 10) e++;
      if (e == stop) break;
      const at = REJECTS + rejects * 8;
      store<u32>(at, s - INPUT);
      store<u32>(at + 4, e - INPUT);
      rejects++;
    }
    s = e + 1;
  }
  return s - INPUT;
}
