import { open, readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { TraceSummary } from '../core/aggregate-trace';
import { buildFinding, podsFromSocketTables } from '../core/build-finding';
import { IpClassifier, parseCidr, type Cidr } from '../core/classify-ip';
import { NO_NODE_EVIDENCE, podKey } from '../core/correlate';
import { InputError } from '../core/errors';
import type { Finding, PodRef } from '../core/finding';
import { parseSocketTable, type SocketTable } from '../core/parse-sockets';
import type { SocketReading } from '../core/rank-pods';
import { renderText } from '../core/render-text';
import { isDns1123Label, isDns1123Subdomain } from '../core/validate-names';
import type { CliIo } from './io';
import { readTraceFile } from './read-trace';
import { ANALYZE_USAGE } from './usage';

interface AnalyzeOptions {
  readonly trace: string;
  readonly sockets: readonly { readonly pod: PodRef; readonly file: string }[];
  readonly privateCidrs: readonly string[];
  readonly json: boolean;
}

/** Reads the flags; every problem is an InputError naming the flag and the value. */
export function parseAnalyzeArgs(argv: readonly string[]): AnalyzeOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      trace: { type: 'string' },
      sockets: { type: 'string', multiple: true },
      'private-cidr': { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0)
    throw new InputError(`unexpected argument '${positionals[0]}' (usage: ${ANALYZE_USAGE})`);
  if (values.trace === undefined || values.trace === '')
    throw new InputError(`--trace FILE is required (usage: ${ANALYZE_USAGE})`);
  const seen = new Set<string>();
  const sockets = (values.sockets ?? []).map((spec) => {
    const parsed = parseSocketsSpec(spec);
    const key = podKey(parsed.pod);
    if (seen.has(key)) throw new InputError(`--sockets: ${key} is given twice`);
    seen.add(key);
    return parsed;
  });
  return {
    trace: values.trace,
    sockets,
    privateCidrs: values['private-cidr'] ?? [],
    json: values.json ?? false,
  };
}

function parseSocketsSpec(spec: string): { pod: PodRef; file: string } {
  const match = /^([^/=]+)\/([^/=]+)=(.+)$/.exec(spec);
  const namespace = match?.[1] ?? '';
  const name = match?.[2] ?? '';
  if (match === null || match[3] === undefined) {
    throw new InputError(`--sockets '${spec}' is not NS/POD=FILE`);
  }
  if (!isDns1123Label(namespace))
    throw new InputError(`--sockets '${spec}': '${namespace}' is not a namespace name`);
  if (!isDns1123Subdomain(name)) throw new InputError(`--sockets '${spec}': '${name}' is not a pod name`);
  return { pod: { namespace, name }, file: match[3] };
}

async function ensureFile(path: string, what: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InputError(`${what} is not a file: ${path}`);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${what} not found: ${path}`, { cause: error });
  }
}

/** Streams the trace (memory stays flat however long the log is) and refuses what is not tcptracer output. */
async function readTrace(path: string, privateCidrs: readonly Cidr[]): Promise<TraceSummary> {
  const summary = await readTraceFile(path, privateCidrs);
  const events =
    summary.events.connect + summary.events.accept + summary.events.close + summary.events.unknown;
  if (
    events === 0 &&
    summary.lostSamples === 0 &&
    summary.skippedLines > 0 &&
    !(await looksLikeTracerOutput(path))
  ) {
    throw new InputError(`--trace file is not tcptracer output: ${path}`);
  }
  return summary;
}

/** A trace with no events is still a trace if tcptracer's banner or header is there (a quiet node). */
async function looksLikeTracerOutput(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(4096), 0, 4096, 0);
    const head = buffer.toString('utf8', 0, bytesRead);
    return /Tracing TCP established connections|\bSADDR\b.*\bDADDR\b/.test(head);
  } finally {
    await file.close();
  }
}

async function readSocketFile(pod: PodRef, file: string): Promise<SocketTable> {
  const what = `--sockets ${podKey(pod)}`;
  await ensureFile(file, `${what} file`);
  try {
    return parseSocketTable(await readFile(file, 'utf8'));
  } catch (error) {
    if (error instanceof InputError)
      throw new InputError(`${what}: ${file}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The runbook's manual analysis, from outputs saved by hand. */
export async function analyzeFiles(options: AnalyzeOptions): Promise<Finding> {
  const privateCidrs = options.privateCidrs.map(parseCidr);
  const classifier = new IpClassifier(privateCidrs);
  const tables = await Promise.all(
    options.sockets.map(async ({ pod, file }) => ({ pod, table: await readSocketFile(pod, file) })),
  );
  const trace = await readTrace(options.trace, privateCidrs);
  const sockets = new Map<string, SocketReading>(
    tables.map(({ pod, table }) => [podKey(pod), { kind: 'read', table }]),
  );
  return buildFinding({
    cluster: null,
    node: null,
    trace,
    pods: podsFromSocketTables(tables),
    sockets,
    evidence: NO_NODE_EVIDENCE,
    snat: null,
    classifier,
  });
}

export async function runAnalyze(argv: readonly string[], io: CliIo): Promise<number> {
  const options = parseAnalyzeArgs(argv);
  const finding = await analyzeFiles(options);
  io.stdout.write(options.json ? `${JSON.stringify(finding, null, 2)}\n` : renderText(finding));
  return 0;
}
