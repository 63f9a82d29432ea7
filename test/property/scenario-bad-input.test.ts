/**
 * Bad scenario files (JSON and YAML): mutations of the fixture scenarios at validated fields, random text,
 * deep nesting, alias bombs, huge files, prototype-polluting keys. Each is an InputError with one line
 * starting `scenario: `; nothing else is thrown, nothing is polluted. Valid scenarios still parse.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify as yaml } from 'yaml';
import { InputError } from '../../src/core/errors';
import { parseScenario } from '../../src/sim/scenario';
import {
  DELETE,
  deepJson,
  HUGE,
  hostileString,
  isPolluted,
  POLLUTING_KEYS,
  prototypeSnapshot,
  setAt,
  SHELL,
  Tally,
  TRAVERSAL,
  withPollutingKey,
  wrongType,
  type JsonPath,
} from '../helpers/bad-input';

const DIR = join(__dirname, '..', 'fixtures', 'scenarios');
const SCENARIOS = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && !f.startsWith('scale-'))
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Record<string, unknown>);
const tally = new Tally();

type Doc = { nodes: { pods?: { traffic?: unknown[]; containers?: unknown[] }[] }[] };

/** A clean refusal: an InputError, one line, `scenario: ...`, no stack in the message. */
function refused(text: string, target: string): boolean {
  let clean = false;
  let what = 'accepted';
  try {
    parseScenario(text);
  } catch (error) {
    what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    clean =
      error instanceof InputError &&
      error.message.startsWith('scenario: ') &&
      !error.message.includes('\n') &&
      !/\(\S+:\d+:\d+\)/.test(error.message);
  }
  if (!clean)
    process.stderr.write(`scenario not cleanly refused (${what.slice(0, 300)}): ${text.slice(0, 300)}\n`);
  return tally.record(target, clean);
}

const notAString = wrongType.filter((v) => typeof v !== 'string');
const notANumber = wrongType.filter((v) => typeof v !== 'number');
const notABoolean = wrongType.filter((v) => typeof v !== 'boolean');

/** Validated places of a scenario, each with values it must refuse. */
function mutation(doc: Doc): fc.Arbitrary<{ path: JsonPath; value: unknown }> {
  const at = (path: JsonPath, value: fc.Arbitrary<unknown>) => value.map((v) => ({ path, value: v }));
  const podPaths: JsonPath[] = [];
  const trafficPaths: JsonPath[] = [];
  const containerPaths: JsonPath[] = [];
  doc.nodes.forEach((node, n) =>
    (node.pods ?? []).forEach((pod, p) => {
      podPaths.push(['nodes', n, 'pods', p]);
      (pod.traffic ?? []).forEach((_t, t) => trafficPaths.push(['nodes', n, 'pods', p, 'traffic', t]));
      (pod.containers ?? []).forEach((_c, c) =>
        containerPaths.push(['nodes', n, 'pods', p, 'containers', c]),
      );
    }),
  );
  const node = fc.nat({ max: doc.nodes.length - 1 });
  const name = fc.oneof(
    hostileString,
    notAString,
    fc.constantFrom('Shop', 'a_b', '-a', 'a-', 'x'.repeat(64)),
  );
  const mutations = [
    at(['cluster'], fc.oneof(wrongType, fc.constant(DELETE))),
    at(
      ['cluster', 'subscriptionId'],
      fc.oneof(
        hostileString,
        notAString,
        fc.constantFrom(DELETE, '0000', `${'0'.repeat(8)}-0000-0000-0000-00000000000g`),
      ),
    ),
    at(
      ['cluster', 'resourceGroup'],
      fc.oneof(hostileString, notAString, fc.constantFrom(DELETE, '', 'rg.', '..', 'r'.repeat(91))),
    ),
    at(
      ['cluster', 'name'],
      fc.oneof(hostileString, notAString, fc.constantFrom(DELETE, '', '-aks', 'aks-', 'a'.repeat(64))),
    ),
    at(
      ['cluster', 'location'],
      fc.oneof(hostileString, notAString, fc.constantFrom('East US', 'west-europe')),
    ),
    at(['cluster', 'aadEnabled'], notABoolean),
    at(['cluster', 'outbound', 'managedOutboundIPs'], fc.oneof(notANumber, fc.constantFrom(0, 101, 1.5, -1))),
    at(
      ['cluster', 'outbound', 'allocatedOutboundPorts'],
      fc.oneof(notANumber, fc.constantFrom(7, 64008, -8, 8.5)),
    ),
    at(['cluster', 'outbound', 'idleTimeoutMinutes'], fc.oneof(notANumber, fc.constantFrom(3, 121))),
    at(['cluster', 'outbound', 'type'], fc.oneof(hostileString, notAString, fc.constant('natGateway'))),
    at(['seed'], fc.oneof(notANumber, fc.constantFrom(-1, 2 ** 32, 0.5))),
    at(['traceSeconds'], fc.oneof(notANumber, fc.constantFrom(0, 601, 1.5, -1, 1e308))),
    at(['extraNodes'], fc.oneof(notANumber, fc.constantFrom(-1, 0.5, 5001, Number.MAX_SAFE_INTEGER + 2))),
    at(['nodes'], fc.oneof(wrongType, fc.constantFrom(DELETE, []))),
    node.chain((n) => at(['nodes', n], wrongType)),
    node.chain((n) => at(['nodes', n, 'name'], name)),
    node.chain((n) =>
      at(
        ['nodes', n, 'ip'],
        fc.oneof(
          hostileString,
          notAString,
          fc.constantFrom(
            DELETE,
            '10.224.0.4;id',
            'fd00::4',
            '[10.224.0.4]',
            '::ffff:10.224.0.4',
            '10.224.0.256',
          ),
        ),
      ),
    ),
    node.chain((n) => at(['nodes', n, 'fillerPods'], fc.oneof(notANumber, fc.constantFrom(-1, 251, 0.5)))),
    node.chain((n) => at(['nodes', n, 'os'], fc.oneof(hostileString, fc.constant('windows')))),
    node.chain((n) =>
      at(
        ['nodes', n, 'pods'],
        wrongType.filter((v) => !Array.isArray(v) || v.length > 0),
      ),
    ),
  ];
  if (podPaths.length > 0) {
    const pod = fc.constantFrom(...podPaths);
    mutations.push(
      pod.chain((p) => at([...p, 'namespace'], fc.oneof(name, fc.constantFrom(DELETE, 'filler', 'a.b')))),
      pod.chain((p) =>
        at(
          [...p, 'name'],
          fc.oneof(hostileString, notAString, fc.constantFrom(DELETE, 'Pod', 'a..b', 'p'.repeat(254))),
        ),
      ),
      pod.chain((p) => at([...p, 'hostNetwork'], notABoolean)),
      pod.chain((p) =>
        at(
          [...p, 'containers'],
          fc.oneof(
            wrongType.filter((v) => v !== undefined),
            fc.constant([]),
          ),
        ),
      ),
    );
  }
  if (containerPaths.length > 0) {
    const container = fc.constantFrom(...containerPaths);
    mutations.push(
      container.chain((c) => at([...c, 'name'], fc.oneof(name, fc.constant(DELETE)))),
      container.chain((c) =>
        at(
          [...c, 'tools'],
          fc.oneof(
            // a list of known tools (even []) is a fine list of tools
            notAString.filter(
              (v) => !(Array.isArray(v) && v.every((x) => ['netstat', 'ss', 'cat'].includes(x as string))),
            ),
            fc.constant(['bash', ...SHELL]),
          ),
        ),
      ),
      container.chain((c) =>
        at([...c, 'image'], fc.oneof(notAString, fc.constantFrom('', 'a b', 'img\n;id', 'x'.repeat(256)))),
      ),
      container.chain((c) =>
        at(
          [...c, 'command'],
          fc.oneof(
            notAString.filter((v) => !Array.isArray(v) || v.every((x) => typeof x !== 'string')),
            fc.constantFrom([], [''], ['a\u0000b']),
          ),
        ),
      ),
    );
  }
  if (trafficPaths.length > 0) {
    const traffic = fc.constantFrom(...trafficPaths);
    mutations.push(
      traffic.chain((t) =>
        at(
          [...t, 'to'],
          fc.oneof(
            hostileString,
            notAString,
            fc.constantFrom(
              DELETE,
              '20.50.2.10',
              '20.50.2.10:0',
              '20.50.2.10:65536',
              '20.50.2.10:443;id',
              'example.com:443',
              '2603:1030::1:443',
              '[20.50.2.10]:443',
              ...TRAVERSAL,
            ),
          ),
        ),
      ),
      traffic.chain((t) =>
        at(
          [...t, 'connectsPerSecond'],
          fc.oneof(
            notANumber.filter((v) => v !== undefined),
            fc.constantFrom(-1, 10001, 1e308),
          ),
        ),
      ),
      traffic.chain((t) => at([...t, 'established'], fc.oneof(notANumber, fc.constantFrom(-1, 0.5, 1e9)))),
      traffic.chain((t) => at([...t, 'container'], fc.oneof(name, fc.constant('no-such-container')))),
    );
  }
  // a field the scenario does not have, at the top or in a node
  mutations.push(
    fc
      .tuple(
        fc.constantFrom<JsonPath>([], ['cluster'], ['nodes', 0], ['cluster', 'outbound']),
        fc.constantFrom('shell', 'command ', 'Seed', 'node', 'x'),
      )
      .chain(([path, key]) => at([...path, key], fc.oneof(hostileString, wrongType))),
  );
  return fc.oneof(...mutations);
}

describe('scenario files: bad input', () => {
  const protoBefore = prototypeSnapshot();

  it('refuses a fixture scenario with one or two validated fields broken, as JSON or YAML', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...SCENARIOS)
          .chain((doc) =>
            fc.tuple(
              fc.constant(doc),
              fc.array(mutation(doc as unknown as Doc), { minLength: 1, maxLength: 2 }),
              fc.boolean(),
            ),
          ),
        ([doc, mutations, asYaml]) => {
          let mutant: unknown = doc;
          for (const { path, value } of mutations) {
            try {
              mutant = setAt(mutant, path, value);
            } catch {
              // the first mutation removed the parent of the second: the first is enough
            }
          }
          const text = asYaml ? yaml(mutant ?? null) : (JSON.stringify(mutant) ?? '');
          return refused(text, asYaml ? 'scenario (YAML)' : 'scenario (JSON)');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses random text, deep nesting, alias bombs, huge files and polluting keys', () => {
    const aliasBomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
      .concat(
        Array.from(
          { length: 8 },
          (_, i) =>
            `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
        ),
      )
      .join('\n');
    const texts = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constantFrom(
        '',
        '   \n\t\n',
        '\ufeff',
        '---',
        '~',
        'null',
        '[]',
        '{',
        '{"cluster": ',
        deepJson(10_000, 'array'),
        deepJson(10_000, 'object'),
        '['.repeat(10_000),
        '- '.repeat(5_000) + 'x',
        '- '.repeat(1_000) + 'x',
        '- '.repeat(33) + 'x',
        `${'  '.repeat(65)}a: 1`,
        Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
        aliasBomb,
        `cluster: !!js/function "function(){ return process.exit(1) }"\nnodes: []`,
        `cluster: !!binary aGVsbG8=\nnodes: []`,
        `cluster:\n  name: a\ncluster:\n  name: b\nnodes: []`,
        `cluster: *undefined_alias\nnodes: []`,
        `\t- tab`,
        HUGE,
        `{"cluster": "${HUGE}"}`,
        `nodes:\n${'  - name: n\n    ip: 10.0.0.1\n'.repeat(6000)}`,
        `__proto__:\n  polluted: yes\ncluster: {}\nnodes: []`,
        `<<: {polluted: yes}\nnodes: []`,
        `constructor:\n  prototype:\n    polluted: yes\nnodes: []`,
      ),
      fc
        .tuple(
          fc.constantFrom(...SCENARIOS),
          fc.constantFrom(...POLLUTING_KEYS),
          fc.constantFrom<JsonPath>([], ['cluster'], ['nodes', 0]),
        )
        .map(([doc, key, where]) => withPollutingKey(doc, where, key)),
    );
    fc.assert(
      fc.property(texts, (text) => refused(text, 'scenario (random, deep, huge, polluting)')),
      { numRuns: 700 },
    );
    expect(isPolluted()).toBe(false);
    expect(prototypeSnapshot()).toEqual(protoBefore);
  });

  it('still parses every fixture scenario, as JSON or YAML, and gives the same scenario back', () => {
    for (const doc of SCENARIOS) {
      const parsed = parseScenario(JSON.stringify(doc));
      expect(parseScenario(yaml(doc))).toEqual(parsed);
      expect(parseScenario(JSON.stringify(parsed))).toEqual(parsed);
    }
  });
});

afterAll(() => {
  process.stdout.write(tally.report('scenario files'));
  expect(tally.total().unclean).toBe(0);
});
