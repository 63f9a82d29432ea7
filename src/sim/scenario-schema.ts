/**
 * The scenario's zod schema, the checks that span fields (uniqueness, references, address families,
 * capacities), and the words of its messages: `<path>: required`, `<path>: expected <what>, got <value>`,
 * `<path>: not <what> ('<value>')`.
 */
import { z } from 'zod';
import { formatIp, type IpAddress } from '../core/ip-address';
import { NODE_IMAGES } from './node-images';
import { isDns1123Label, isDns1123Subdomain } from '../core/validate-names';
import {
  CONTAINER_TOOLS,
  EPHEMERAL_PORT_COUNT,
  FILLER_NAMESPACE,
  ipOf,
  MAX_CONNECTS_PER_SECOND,
  MAX_NODES,
  MAX_PODS_PER_NODE,
  MAX_TRACE_SECONDS,
  NODE_DAEMON_PORTS,
  parseHostPort,
  type ContainerTool,
  type Endpoint,
} from './scenario-values';
import { faultsSchema } from './scenario-faults';

const DEFAULT_TOOLS: readonly ContainerTool[] = ['netstat', 'ss', 'cat'];

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'a list' : 'an object';
  return String(value);
}

/** A scalar with its own check and a message in our words: `required`, or `expected <what>, got <value>`. */
function scalar<T>(check: (value: unknown) => boolean, expected: string) {
  return z.custom<T>(check, {
    error: (issue) =>
      issue.input === undefined ? 'required' : `expected ${expected}, got ${show(issue.input)}`,
  });
}

/** A string that must also have a shape: `not <what> ('value')` when it does not. */
function text(check: (value: string) => boolean, what: string) {
  return z.custom<string>((value) => typeof value === 'string' && check(value), {
    error: (issue) =>
      issue.input === undefined
        ? 'required'
        : typeof issue.input !== 'string'
          ? `expected a string, got ${show(issue.input)}`
          : `not ${what} (${show(issue.input)})`,
  });
}

function integer(min: number, max: number) {
  const expected = max === Infinity ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
  return scalar<number>(
    (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max,
    min === 0 && max === Infinity ? 'a non-negative integer' : expected,
  );
}

const nonNegativeInteger = integer(0, Infinity);

const bool = scalar<boolean>((v) => typeof v === 'boolean', 'true or false');

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const outboundSchema = z.strictObject({
  type: z
    .enum(['loadBalancer', 'managedNATGateway', 'userAssignedNATGateway', 'userDefinedRouting'])
    .default('loadBalancer'),
  managedOutboundIPs: integer(1, 100).default(1),
  allocatedOutboundPorts: scalar<number>(
    (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 64000 && v % 8 === 0,
    'a multiple of 8 from 0 to 64000',
  ).default(0),
  idleTimeoutMinutes: integer(4, 120).default(30),
});

const clusterSchema = z.strictObject({
  subscriptionId: text((s) => GUID.test(s), 'a subscription ID (a GUID)'),
  resourceGroup: text(
    (s) => s.length <= 90 && /^[-\w.()]+$/.test(s) && !s.endsWith('.'),
    'a resource group name',
  ),
  name: text((s) => /^[a-zA-Z0-9](?:[-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/.test(s), 'an AKS cluster name'),
  location: text((s) => /^[a-z0-9]{1,40}$/.test(s), 'an Azure region name').default('eastus'),
  aadEnabled: bool.default(false),
  outbound: outboundSchema.prefault({}),
});

const containerSchema = z.strictObject({
  name: text(isDns1123Label, 'a DNS-1123 label'),
  tools: z.array(z.enum(CONTAINER_TOOLS)).default([...DEFAULT_TOOLS]),
  image: text((s) => /^[^\s]{1,255}$/.test(s), 'an image reference').optional(),
  command: z
    .array(text((s) => s.length > 0 && !s.includes('\0'), 'an argument'))
    .min(1)
    .optional(),
});

const trafficSchema = z.strictObject({
  to: text((s) => parseHostPort(s) !== null, 'HOST:PORT'),
  connectsPerSecond: scalar<number>(
    (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_CONNECTS_PER_SECOND,
    `a number from 0 to ${MAX_CONNECTS_PER_SECOND}`,
  ).default(0),
  established: nonNegativeInteger.default(0),
  container: text(isDns1123Label, 'a DNS-1123 label').optional(),
  /**
   * The family of the socket the app opened: `ipv6` to an IPv4 destination is a dual-stack socket (Java's
   * and .NET's default), whose IPv4 traffic shows as `::ffff:a.b.c.d`. Default: the destination's family.
   */
  socket: z.enum(['ipv4', 'ipv6']).optional(),
});

const podSchema = z.strictObject({
  namespace: text(isDns1123Label, 'a DNS-1123 label'),
  name: text(isDns1123Subdomain, 'a DNS-1123 name'),
  ip: text((s) => ipOf(s) !== null, 'an IP address').optional(),
  /** A dual-stack pod's addresses, IPv4 then IPv6, as `status.podIPs` (instead of `ip`). */
  ips: z
    .array(text((s) => ipOf(s) !== null, 'an IP address'))
    .max(2)
    .optional(),
  hostNetwork: bool.default(false),
  containers: z
    .array(containerSchema)
    .min(1)
    .prefault([{ name: 'app' }]),
  traffic: z.array(trafficSchema).default([]),
});

const nodeSchema = z.strictObject({
  name: text(isDns1123Subdomain, 'a DNS-1123 name'),
  ip: text((s) => ipOf(s)?.version === 4, 'an IPv4 address'),
  os: z.enum(['linux', 'windows']).optional(),
  /** The node's OS image (see node-images.ts): what is on its disk, and so what the debug pod finds there. */
  image: z.enum(NODE_IMAGES).default('ubuntu2204'),
  fillerPods: nonNegativeInteger.default(0),
  pods: z.array(podSchema).default([]),
});

const scenarioSchema = z
  .strictObject({
    cluster: clusterSchema,
    seed: integer(0, 4294967295).default(42),
    traceSeconds: integer(1, MAX_TRACE_SECONDS).default(2),
    extraNodes: nonNegativeInteger.default(0),
    nodes: z.array(nodeSchema).min(1),
    faults: faultsSchema.optional(),
  })
  .superRefine((scenario, ctx) =>
    crossCheck(scenario, (path, message) => ctx.addIssue({ code: 'custom', path, message })),
  );

export type ParsedScenario = z.output<typeof scenarioSchema>;
type Path = (string | number)[];

/** What one field cannot say alone: uniqueness, references, address families, capacities. */
function crossCheck(scenario: ParsedScenario, fail: (path: Path, message: string) => void): void {
  if (scenario.nodes.length + scenario.extraNodes > MAX_NODES) {
    fail(
      ['extraNodes'],
      `${scenario.nodes.length} nodes + ${scenario.extraNodes} extra is more than AKS's ${MAX_NODES}`,
    );
  }
  const nodeNames = new Map<string, string>();
  const ips = new Map<string, string>();
  scenario.nodes.forEach((node, n) => {
    const where = `nodes[${n}]`;
    const known = nodeNames.get(node.name);
    if (known !== undefined) fail(['nodes', n, 'name'], `${node.name} is already defined at ${known}`);
    nodeNames.set(node.name, where);
    const ip = formatIp(ipOf(node.ip) as IpAddress);
    const used = ips.get(ip);
    if (used !== undefined) fail(['nodes', n, 'ip'], `${ip} is already used by ${used}`);
    ips.set(ip, where);
    const imageOs = node.image === 'windows2022' ? 'windows' : 'linux';
    if (node.os !== undefined && node.os !== imageOs) {
      fail(['nodes', n, 'os'], `${node.os}, but the image ${node.image} is ${imageOs}`);
    }
  });

  const pods = new Map<string, string>();
  scenario.nodes.forEach((node, n) => {
    if (node.pods.length + node.fillerPods > MAX_PODS_PER_NODE) {
      fail(
        ['nodes', n, 'fillerPods'],
        `${node.pods.length} pods + ${node.fillerPods} filler pods is more than AKS's ${MAX_PODS_PER_NODE} per node`,
      );
    }
    let hostEstablished = 0;
    node.pods.forEach((pod, p) => {
      const at: Path = ['nodes', n, 'pods', p];
      const where = `nodes[${n}].pods[${p}]`;
      const key = `${pod.namespace}/${pod.name}`;
      if (pod.namespace === FILLER_NAMESPACE) {
        fail([...at, 'namespace'], `'${FILLER_NAMESPACE}' is kept for the generated filler pods`);
      }
      const known = pods.get(key);
      if (known !== undefined) fail([...at, 'name'], `${key} is already defined at ${known}`);
      pods.set(key, where);

      const families = new Set<4 | 6>();
      // The normal form gives both, ip being ips[0]; written by hand, one or the other.
      const podIps = pod.ips !== undefined && pod.ips.length > 0 ? pod.ips : undefined;
      if (pod.hostNetwork) {
        families.add(4);
        if (pod.ip !== undefined || podIps !== undefined)
          fail(
            [...at, pod.ip === undefined ? 'ips' : 'ip'],
            'not allowed with hostNetwork (the pod uses the node IP)',
          );
      } else if (
        pod.ip !== undefined &&
        podIps !== undefined &&
        formatIp(ipOf(pod.ip) as IpAddress) !== formatIp(ipOf(podIps[0] as string) as IpAddress)
      ) {
        fail([...at, 'ips'], 'give ip or ips, not both');
      } else if (pod.ip === undefined && podIps === undefined) {
        fail([...at, 'ip'], 'required unless hostNetwork');
      } else {
        const given = podIps ?? [pod.ip as string];
        given.forEach((text, i) => {
          const ip = ipOf(text) as IpAddress;
          const field: Path = podIps === undefined ? [...at, 'ip'] : [...at, 'ips', i];
          if (podIps !== undefined && ip.version !== (i === 0 ? 4 : 6) && given.length === 2) {
            fail(field, `expected ${i === 0 ? 'IPv4 first' : 'IPv6 second'}, as status.podIPs lists them`);
          }
          families.add(ip.version);
          const canonical = formatIp(ip);
          const used = ips.get(canonical);
          if (used !== undefined) fail(field, `${canonical} is already used by ${used}`);
          ips.set(canonical, where);
        });
      }
      const family = families.has(4) ? 4 : 6;

      const containers = new Set<string>();
      pod.containers.forEach((container, c) => {
        if (containers.has(container.name)) {
          fail([...at, 'containers', c, 'name'], `${container.name} is already a container of the pod`);
        }
        containers.add(container.name);
      });
      let established = 0;
      pod.traffic.forEach((traffic, t) => {
        const to = parseHostPort(traffic.to) as Endpoint;
        if (traffic.container !== undefined && !containers.has(traffic.container)) {
          fail([...at, 'traffic', t, 'container'], `no container '${traffic.container}' in the pod`);
        }
        if (families.size > 0 && !families.has(to.family)) {
          fail(
            [...at, 'traffic', t, 'to'],
            pod.hostNetwork
              ? 'an IPv6 destination, but a hostNetwork pod has only the node IPv4 address'
              : podIps === undefined
                ? `an IPv${to.family} destination, but the pod ip ${pod.ip ?? ''} is IPv${family}`
                : `an IPv${to.family} destination, but the pod's ips are IPv${family} only`,
          );
        }
        if (traffic.socket === 'ipv4' && to.family === 6) {
          fail([...at, 'traffic', t, 'socket'], 'an IPv4 socket cannot reach an IPv6 destination');
        }
        established += traffic.established;
      });
      if (pod.hostNetwork) hostEstablished += established;
      else if (established > EPHEMERAL_PORT_COUNT) {
        fail(
          [...at, 'traffic'],
          `${established} ESTABLISHED connections need more ephemeral ports than one address has (${EPHEMERAL_PORT_COUNT})`,
        );
      }
    });
    if (hostEstablished > EPHEMERAL_PORT_COUNT - NODE_DAEMON_PORTS) {
      fail(
        ['nodes', n, 'pods'],
        `the hostNetwork pods hold ${hostEstablished} ESTABLISHED connections, more ephemeral ports than the ` +
          `node IP has for them (${EPHEMERAL_PORT_COUNT - NODE_DAEMON_PORTS})`,
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Messages

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path)
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out;
}

const ARTICLES: Readonly<Record<string, string>> = {
  array: 'a list',
  object: 'an object',
  string: 'a string',
};

function describe(issue: z.core.$ZodIssue): string[] {
  const at = (path: readonly PropertyKey[], message: string) =>
    path.length === 0 ? message : `${formatPath(path)}: ${message}`;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => at([...issue.path, key], 'unknown field'));
    case 'invalid_type':
      return [
        at(
          issue.path,
          issue.input === undefined
            ? 'required'
            : `expected ${ARTICLES[issue.expected] ?? issue.expected}, got ${show(issue.input)}`,
        ),
      ];
    case 'invalid_value': {
      const values = issue.values.map((v) => show(v));
      const list =
        values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values.at(-1) ?? ''}` : values[0];
      return [at(issue.path, `expected ${list}, got ${show(issue.input)}`)];
    }
    case 'too_small':
      return [
        at(issue.path, `needs at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'}`),
      ];
    default:
      return [at(issue.path, issue.message)];
  }
}

/** Validates a parsed document in one pass: the scenario with zod's defaults, or every problem as a line. */
export function checkScenario(
  document: unknown,
):
  | { readonly ok: true; readonly value: ParsedScenario }
  | { readonly ok: false; readonly problems: string[] } {
  const result = scenarioSchema.safeParse(document, { reportInput: true });
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, problems: result.error.issues.flatMap(describe) };
}
