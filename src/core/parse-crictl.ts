/**
 * cri-tools `crictl pods` and `crictl ps -a`: pod sandboxes and containers as the container runtime
 * knows them.
 *
 * The tables come from Go's text/tabwriter (minwidth 20, padding 3, blanks, left-aligned): each column
 * starts where its header label starts, and a cell may contain single spaces (CREATED `2 hours ago`,
 * the `POD ID` label itself), so cells are cut at the header's offsets, never split on whitespace. IDs
 * in tables are cut to 13 characters (findSandbox matches them as prefixes). `-o json` is protobuf JSON
 * of the CRI messages, with the full IDs and the states as enum names.
 */
import { InputError } from './errors';

export interface PodSandbox {
  /** The full ID from JSON, the first 13 characters from a table. */
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  /** The pod's UID: JSON only, the table does not show it. */
  readonly uid: string | null;
  /** 'Ready' or 'NotReady' (a SandboxState), from either spelling. */
  readonly state: string;
}

export interface CrictlContainer {
  /** The full ID from JSON, the first 13 characters from a table. */
  readonly id: string;
  readonly name: string;
  /** Null when the table has no POD ID column (crictl before the column was added). */
  readonly podSandboxId: string | null;
  /** From the io.kubernetes.pod.* labels; null when the output does not say (crictl prints 'unknown'). */
  readonly podName: string | null;
  readonly podNamespace: string | null;
  /** 'Running', 'Exited', 'Created' or 'Unknown' (a ContainerState), from either spelling. */
  readonly state: string;
  /** As printed: `sha256:<id>` or a reference in JSON, a 13-character image ID in a table. */
  readonly image: string | null;
}

export type SandboxState = 'Ready' | 'NotReady';
export type ContainerState = 'Running' | 'Exited' | 'Created' | 'Unknown';

const PODS_TABLE = 'crictl pods';
const PODS_JSON = 'crictl pods -o json';
const PS_TABLE = 'crictl ps -a';
const PS_JSON = 'crictl ps -a -o json';

/** Table spelling (crictl's convertPodState) and CRI enum name (JSON, and tables of early crictl). */
const SANDBOX_STATES: Readonly<Record<string, SandboxState>> = {
  Ready: 'Ready',
  NotReady: 'NotReady',
  SANDBOX_READY: 'Ready',
  SANDBOX_NOTREADY: 'NotReady',
};

const CONTAINER_STATES: Readonly<Record<string, ContainerState>> = {
  Running: 'Running',
  Exited: 'Exited',
  Created: 'Created',
  Unknown: 'Unknown',
  CONTAINER_RUNNING: 'Running',
  CONTAINER_EXITED: 'Exited',
  CONTAINER_CREATED: 'Created',
  CONTAINER_UNKNOWN: 'Unknown',
};

const POD_NAME_LABEL = 'io.kubernetes.pod.name';
const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';

/** Reads `crictl pods` (table) or `crictl pods -o json`, told apart by the content. */
export function parseCrictlPods(text: string): PodSandbox[] {
  return isJson(text) ? parsePodsJson(text) : parsePodsTable(text);
}

/** Reads `crictl ps -a` (table) or `crictl ps -a -o json`, told apart by the content. */
export function parseCrictlPs(text: string): CrictlContainer[] {
  return isJson(text) ? parsePsJson(text) : parsePsTable(text);
}

/**
 * The sandbox whose ID equals `fullId` or is a prefix of it (a table's 13 characters). An exact match
 * wins; otherwise exactly one prefix must match, and null means none did or the answer is ambiguous.
 */
export function findSandbox(sandboxes: readonly PodSandbox[], fullId: string): PodSandbox | null {
  const exact = sandboxes.filter((s) => s.id === fullId);
  if (exact.length > 0) return exact.length === 1 ? (exact[0] as PodSandbox) : null;
  const prefixed = sandboxes.filter((s) => s.id.length > 0 && fullId.startsWith(s.id));
  return prefixed.length === 1 ? (prefixed[0] as PodSandbox) : null;
}

function isJson(text: string): boolean {
  return text.trimStart().startsWith('{');
}

// ---------------------------------------------------------------------------------------------------
// Tables

/** A table row: its line number and its cells by header label (null for a column the table lacks). */
interface Row {
  readonly line: number;
  readonly cell: (label: string) => string | null;
}

/** crictl's logrus lines (`WARN[0000] ...`, `time="..." level=...`) when stderr was captured with stdout. */
const LOG_LINE = /^(?:(?:TRAC|DEBU|INFO|WARN|ERRO|FATA|PANI)\[\d+\]|time=")/;

/**
 * Finds the header (the first line that is not a log line), whose first label must be one of
 * `firstLabels`, and cuts every following line at the labels' offsets. A label is a run of words
 * separated by single blanks (`POD ID`); tabwriter leaves at least three blanks between columns.
 */
function readTable(
  text: string,
  tool: string,
  firstLabels: readonly string[],
  required: readonly string[],
): Row[] {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((line) => line.trim() !== '' && !LOG_LINE.test(line));
  if (headerIndex === -1) throw new InputError(`not ${tool} output: the text is empty`);
  const header = lines[headerIndex] as string;
  const labels = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ label: m[0], start: m.index }));
  const missing = required.filter((label) => !labels.some((l) => l.label === label));
  if (!firstLabels.includes(labels[0]?.label ?? '') || missing.length > 0) {
    throw new InputError(
      `not ${tool} output: the first line is not a ${tool} header (${firstLabels.join(' or ')} ... ` +
        `${required.join(' ')}): ${quote(header)}`,
    );
  }
  const rows: Row[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '' || LOG_LINE.test(line)) continue;
    const cells = new Map<string, string>();
    labels.forEach(({ label, start }, k) => {
      cells.set(label, line.slice(start, labels[k + 1]?.start ?? line.length).trim());
    });
    rows.push({ line: i + 1, cell: (label) => cells.get(label) ?? null });
  }
  return rows;
}

function parsePodsTable(text: string): PodSandbox[] {
  const rows = readTable(text, PODS_TABLE, ['POD ID'], ['STATE', 'NAME', 'NAMESPACE']);
  return rows.map(({ line, cell }) => {
    const where = `line ${line}`;
    return {
      id: hexId(cell('POD ID'), `${where} POD ID`, PODS_TABLE),
      name: required(cell('NAME'), `${where} NAME`, PODS_TABLE),
      namespace: required(cell('NAMESPACE'), `${where} NAMESPACE`, PODS_TABLE),
      uid: null,
      state: sandboxState(cell('STATE'), `${where} STATE`, PODS_TABLE),
    };
  });
}

function parsePsTable(text: string): CrictlContainer[] {
  const rows = readTable(text, PS_TABLE, ['CONTAINER', 'CONTAINER ID'], ['STATE', 'NAME']);
  return rows.map(({ line, cell }) => {
    const where = `line ${line}`;
    const podId = cell('POD ID');
    return {
      id: hexId(cell('CONTAINER') ?? cell('CONTAINER ID'), `${where} CONTAINER`, PS_TABLE),
      name: required(cell('NAME'), `${where} NAME`, PS_TABLE),
      podSandboxId: podId === null ? null : hexId(podId, `${where} POD ID`, PS_TABLE),
      podName: labelled(cell('POD')),
      podNamespace: labelled(cell('NAMESPACE')),
      state: containerState(cell('STATE'), `${where} STATE`, PS_TABLE),
      image: cell('IMAGE') || null,
    };
  });
}

/** crictl prints 'unknown' for a pod name or namespace when the container lacks the label. */
function labelled(value: string | null): string | null {
  return value === null || value === '' || value === 'unknown' ? null : value;
}

// ---------------------------------------------------------------------------------------------------
// JSON

function parsePodsJson(text: string): PodSandbox[] {
  const items = readJsonArray(text, 'items', PODS_JSON);
  return items.map((item, i) => {
    const where = `items[${i}]`;
    const object = record(item, where, PODS_JSON);
    const metadata = record(object.metadata, `${where}.metadata`, PODS_JSON);
    return {
      id: hexId(object.id, `${where}.id`, PODS_JSON),
      name: required(metadata.name, `${where}.metadata.name`, PODS_JSON),
      namespace: required(metadata.namespace, `${where}.metadata.namespace`, PODS_JSON),
      uid: optional(metadata.uid, `${where}.metadata.uid`, PODS_JSON),
      state: sandboxState(object.state, `${where}.state`, PODS_JSON),
    };
  });
}

function parsePsJson(text: string): CrictlContainer[] {
  const containers = readJsonArray(text, 'containers', PS_JSON);
  return containers.map((item, i) => {
    const where = `containers[${i}]`;
    const object = record(item, where, PS_JSON);
    const metadata = record(object.metadata, `${where}.metadata`, PS_JSON);
    const labels = optionalRecord(object.labels, `${where}.labels`, PS_JSON);
    const label = (key: string): string | null => optional(labels[key], `${where}.labels["${key}"]`, PS_JSON);
    const image = optionalRecord(object.image, `${where}.image`, PS_JSON);
    const podSandboxId = optional(object.podSandboxId, `${where}.podSandboxId`, PS_JSON);
    return {
      id: hexId(object.id, `${where}.id`, PS_JSON),
      name:
        optional(metadata.name, `${where}.metadata.name`, PS_JSON) ??
        required(labels[CONTAINER_NAME_LABEL], `${where}.metadata.name`, PS_JSON),
      podSandboxId: podSandboxId === null ? null : hexId(podSandboxId, `${where}.podSandboxId`, PS_JSON),
      podName: label(POD_NAME_LABEL),
      podNamespace: label(POD_NAMESPACE_LABEL),
      state: containerState(object.state, `${where}.state`, PS_JSON),
      image:
        optional(image.image, `${where}.image.image`, PS_JSON) ??
        optional(object.imageRef, `${where}.imageRef`, PS_JSON),
    };
  });
}

function readJsonArray(text: string, key: string, tool: string): unknown[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new InputError(`not ${tool} output: ${(error as Error).message}`, { cause: error });
  }
  const object = record(document, 'the document', tool);
  const array = object[key];
  // protobuf JSON leaves an empty repeated field out unless the writer asks for defaults.
  if (array === undefined && Object.keys(object).length === 0) return [];
  if (!Array.isArray(array)) throw new InputError(`not ${tool} output: no "${key}" array`);
  return array;
}

function record(value: unknown, where: string, tool: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`not ${tool} output: ${where} is not an object`);
  }
  return value as Record<string, unknown>;
}

function optionalRecord(value: unknown, where: string, tool: string): Record<string, unknown> {
  return value === undefined || value === null ? {} : record(value, where, tool);
}

// ---------------------------------------------------------------------------------------------------
// Values

/** A string that must be there; blank counts as missing. */
function required(value: unknown, where: string, tool: string): string {
  const text = optional(value, where, tool);
  if (text === null) throw new InputError(`not ${tool} output: ${where} is missing`);
  return text;
}

/** A string or nothing: absent, null and '' (protobuf's default) are all null. */
function optional(value: unknown, where: string, tool: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new InputError(`not ${tool} output: ${where} is not a string`);
  return value;
}

/** Container and sandbox IDs are lowercase hex (64 characters, 13 in tables). */
function hexId(value: unknown, where: string, tool: string): string {
  const id = required(value, where, tool);
  if (!/^[0-9a-f]{1,64}$/.test(id))
    throw new InputError(`not ${tool} output: ${where} is not an ID: ${quote(id)}`);
  return id;
}

function sandboxState(value: unknown, where: string, tool: string): SandboxState {
  return state(SANDBOX_STATES, 'a sandbox state', value, where, tool);
}

function containerState(value: unknown, where: string, tool: string): ContainerState {
  return state(CONTAINER_STATES, 'a container state', value, where, tool);
}

function state<T>(
  states: Readonly<Record<string, T>>,
  kind: string,
  value: unknown,
  where: string,
  tool: string,
): T {
  const text = required(value, where, tool);
  const normalised = states[text];
  if (normalised === undefined)
    throw new InputError(`not ${tool} output: ${where} is not ${kind}: ${quote(text)}`);
  return normalised;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text);
}
