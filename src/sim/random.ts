/**
 * Deterministic randomness for the simulator. Every draw comes from a stream named by what it is for
 * (`rng(seed, 'ports', node, pod)`), never from one shared sequence, so adding a pod to a scenario does not
 * move the ports, PIDs or IDs of the others: same seed and same names, same bytes.
 */

/** FNV-1a over the UTF-16 code units, then a murmur3 finaliser so that near keys land far apart. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface Rng {
  /** A 32-bit unsigned integer. */
  readonly uint32: () => number;
  /** A float in [0, 1). */
  readonly next: () => number;
  /** An integer in [min, max], both included. */
  readonly int: (min: number, max: number) => number;
  /** `bytes` random bytes as lower-case hex. */
  readonly hex: (bytes: number) => string;
}

/** A mulberry32 generator for the stream named by `seed` and `keys`. */
export function rng(seed: number, ...keys: readonly (string | number)[]): Rng {
  let state = hash32([seed, ...keys].join('\u0000'));
  const uint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => uint32() / 4294967296;
  return {
    uint32,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    hex: (bytes) => {
      let out = '';
      for (let i = 0; i < bytes; i += 4) out += uint32().toString(16).padStart(8, '0');
      return out.slice(0, bytes * 2);
    },
  };
}

/** A version-4-shaped UUID (what Kubernetes uses for UIDs), from the stream's bits. */
export function uuid(random: Rng): string {
  const hex = random.hex(16).split('');
  hex[12] = '4';
  hex[16] = '89ab'[parseInt(hex[16] as string, 16) & 3] as string;
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
