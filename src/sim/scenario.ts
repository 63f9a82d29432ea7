/**
 * The simulator's scenario (DESIGN.md section 4): a cluster, its nodes, their pods and what each pod's
 * containers keep open and keep opening. JSON or YAML, told apart by the content; validated with zod in one
 * pass (scenario-schema.ts), so that a bad scenario fails with one line that names the field and says what
 * is wrong.
 *
 * The normalised Scenario has every default filled and every address in canonical form, and is itself a valid
 * scenario: `parseScenario(JSON.stringify(s))` gives `s` back.
 */
import { parse as parseYaml } from 'yaml';
import { InputError } from '../core/errors';
import type { NodeImageName } from './node-images';
import { formatIp, type IpAddress } from '../core/ip-address';
import { checkScenario, type ParsedScenario } from './scenario-schema';
import { formatHostPort, ipOf, parseHostPort, type ContainerTool, type Endpoint } from './scenario-values';
import type { Faults } from './scenario-faults';

export {
  CONTAINER_TOOLS,
  EPHEMERAL_PORT_COUNT,
  EPHEMERAL_PORT_FIRST,
  FILLER_NAMESPACE,
  MAX_CONNECTS_PER_SECOND,
  MAX_NODES,
  MAX_PODS_PER_NODE,
  MAX_TRACE_SECONDS,
  NODE_DAEMON_PORTS,
  parseHostPort,
  type ContainerTool,
  type Endpoint,
} from './scenario-values';

export type OutboundType =
  'loadBalancer' | 'managedNATGateway' | 'userAssignedNATGateway' | 'userDefinedRouting';

export interface ScenarioCluster {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly aadEnabled: boolean;
  readonly outbound: {
    readonly type: OutboundType;
    readonly managedOutboundIPs: number;
    readonly allocatedOutboundPorts: number;
    readonly idleTimeoutMinutes: number;
  };
}

export interface ScenarioContainer {
  readonly name: string;
  /** Executables in the image; [] is a distroless image. */
  readonly tools: readonly ContainerTool[];
  readonly image: string;
  /** The container's command line (argv); its first word names the process (`comm`). */
  readonly command: readonly string[];
}

export interface ScenarioTraffic {
  /** `a.b.c.d:port` or `[v6]:port`, canonical. */
  readonly to: string;
  /**
   * New connections per second, each a connect in the trace (closed again soon after). May be fractional: a
   * trace of S seconds holds Math.round(connectsPerSecond * S) connects of this entry.
   */
  readonly connectsPerSecond: number;
  /** Long-lived connections: ESTABLISHED sockets in the socket table, opened before the trace began. */
  readonly established: number;
  /** The container whose process holds these connections. */
  readonly container: string;
  /** The family of the app's socket: `ipv6` to an IPv4 destination is a dual-stack socket (`::ffff:a.b.c.d`). */
  readonly socket: 'ipv4' | 'ipv6';
}

export interface ScenarioPod {
  readonly namespace: string;
  readonly name: string;
  /** The pod IP (IPv4 or IPv6; a dual-stack pod's IPv4 one); absent for hostNetwork pods, which use the node's. */
  readonly ip?: string;
  /** Every address of the pod, as `status.podIPs` (IPv4 then IPv6); empty for hostNetwork pods. */
  readonly ips: readonly string[];
  readonly hostNetwork: boolean;
  readonly containers: readonly ScenarioContainer[];
  readonly traffic: readonly ScenarioTraffic[];
}

export interface ScenarioNode {
  readonly name: string;
  readonly ip: string;
  readonly os: 'linux' | 'windows';
  /** The node's OS image: what the debug pod finds on its disk. */
  readonly image: NodeImageName;
  /** Idle pods added for scale: a sandbox and a netns each, no traffic. */
  readonly fillerPods: number;
  readonly pods: readonly ScenarioPod[];
}

export interface Scenario {
  readonly cluster: ScenarioCluster;
  readonly seed: number;
  readonly traceSeconds: number;
  /** Idle nodes added for scale (no pods), named and addressed after the scenario's own. */
  readonly extraNodes: number;
  readonly nodes: readonly ScenarioNode[];
  /** What fails on purpose (README, "Faults"); absent when nothing does. */
  readonly faults?: Faults;
}

// ---------------------------------------------------------------------------------------------------
// Parsing

const MAX_REPORTED = 3;

/**
 * The message as one line: values and field names quoted in it come from the file, and a newline or a
 * terminal escape among them must neither split the message nor reach the terminal.
 */
function oneLine(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- control characters are what is sought
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Far deeper than any scenario. The YAML parser recurses once per level: a few kilobytes of `- - - ...` or
 * of ever deeper indentation exhaust the stack, and after that V8 can abort the process outright (a fatal
 * "RegExpCompiler Allocation failed") on the next deep document, which no catch survives.
 */
const MAX_INDENT = 128;
const MAX_SEQUENCE_MARKS_PER_LINE = 32;
const MAX_OPEN_BRACKETS = 64;

/** An upper bound of the nesting, read without parsing: indentation, `- ` marks, open brackets. */
function nestedTooDeeply(text: string): boolean {
  let open = 0;
  for (const line of text.split('\n')) {
    if (line.length - line.trimStart().length > MAX_INDENT) return true;
    if ((line.match(/(?:^|\s)-(?=\s|$)/g) ?? []).length > MAX_SEQUENCE_MARKS_PER_LINE) return true;
    for (const c of line) {
      if (c === '[' || c === '{') open++;
      else if ((c === ']' || c === '}') && open > 0) open--;
      if (open > MAX_OPEN_BRACKETS) return true;
    }
  }
  return false;
}

function readDocument(text: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new InputError('scenario: the text is empty');
  const deep = nestedTooDeeply(body);
  if (body.trimStart().startsWith('{') || body.trimStart().startsWith('[')) {
    try {
      return JSON.parse(body);
    } catch (error) {
      // YAML's flow style starts with a brace too; only if that fails as well is it broken JSON.
      if (deep) throw new InputError(`scenario: not valid JSON: ${oneLine((error as Error).message)}`);
      try {
        return parseYaml(body, { prettyErrors: false });
      } catch {
        throw new InputError(oneLine(`scenario: not valid JSON: ${(error as Error).message}`), {
          cause: error,
        });
      }
    }
  }
  if (deep) throw new InputError('scenario: not valid YAML: nested too deeply');
  try {
    return parseYaml(body, { prettyErrors: false });
  } catch (error) {
    const first = (error as Error).message.split('\n')[0] ?? '';
    throw new InputError(oneLine(`scenario: not valid YAML: ${first}`), { cause: error });
  }
}

/**
 * Reads a scenario (JSON or YAML) into its normalised form. Throws InputError with one line that names each
 * field at fault (the first three) and what is wrong with it, e.g.
 * `scenario: nodes[0].pods[2].traffic[0].to: not HOST:PORT ('20.50.2.10')`.
 */
export function parseScenario(text: string): Scenario {
  const result = checkScenario(readDocument(text));
  if (!result.ok) {
    const { problems } = result;
    const more = problems.length > MAX_REPORTED ? ` (and ${problems.length - MAX_REPORTED} more)` : '';
    throw new InputError(oneLine(`scenario: ${problems.slice(0, MAX_REPORTED).join('; ')}${more}`));
  }
  return normalise(result.value);
}

function canonicalIp(text: string): string {
  return formatIp(ipOf(text) as IpAddress);
}

function normalise(parsed: ParsedScenario): Scenario {
  return {
    cluster: parsed.cluster,
    seed: parsed.seed,
    traceSeconds: parsed.traceSeconds,
    extraNodes: parsed.extraNodes,
    ...(parsed.faults === undefined ? {} : { faults: parsed.faults }),
    nodes: parsed.nodes.map((node) => ({
      name: node.name,
      ip: canonicalIp(node.ip),
      os: node.image === 'windows2022' ? 'windows' : 'linux',
      image: node.image,
      fillerPods: node.fillerPods,
      pods: node.pods.map((pod) => {
        const containers = pod.containers.map((container) => ({
          name: container.name,
          tools: [...new Set(container.tools)],
          image: container.image ?? `example.azurecr.io/${pod.namespace}/${container.name}:1.0.0`,
          command: container.command ?? [`/usr/local/bin/${container.name}`],
        }));
        const first = (containers[0] as ScenarioContainer).name;
        return {
          namespace: pod.namespace,
          name: pod.name,
          ...((pod.ips?.[0] ?? pod.ip) === undefined
            ? {}
            : { ip: canonicalIp((pod.ips?.[0] ?? pod.ip) as string) }),
          ips: (pod.ips ?? (pod.ip === undefined ? [] : [pod.ip])).map(canonicalIp),
          hostNetwork: pod.hostNetwork,
          containers,
          traffic: pod.traffic.map((traffic) => ({
            to: formatHostPort(parseHostPort(traffic.to) as Endpoint),
            connectsPerSecond: traffic.connectsPerSecond,
            established: traffic.established,
            container: traffic.container ?? first,
            socket:
              traffic.socket ?? ((parseHostPort(traffic.to) as Endpoint).family === 6 ? 'ipv6' : 'ipv4'),
          })),
        };
      }),
    })),
  };
}
