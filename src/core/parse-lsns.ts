/**
 * util-linux `lsns -t net`: which network namespaces exist on the node and one process in each.
 *
 * The table is libsmartcols output: every column is as wide as its widest cell (header included) and
 * columns are separated by one space. NS, NPROCS, PID and NETNSID are right-aligned, TYPE, USER, NSFS
 * and COMMAND left-aligned, and the header labels are aligned the same way. So a right-aligned column
 * ends where its label ends and a left-aligned one starts where its label starts. That, not splitting on
 * whitespace, is how cells are read: NSFS is blank for namespaces nobody mounted, NETNSID is blank when
 * lsns could not ask the kernel, and COMMAND is a whole command line with spaces in it.
 *
 * Two more libsmartcols habits: COMMAND carries tree branches (`` `- ``, `|-`, or `└─`, `├─` in a UTF-8
 * locale) when a namespace's process is a child of another listed one (`-J` nests such rows under
 * `children` instead), and a namespace mounted at two places lists both paths, the second on a
 * continuation line with every other cell blank (`-J` joins them with a newline).
 */
import { InputError } from './errors';

export interface NetNamespace {
  /** The namespace's inode number, as tcptracer's NETNS column prints it. */
  readonly ns: number;
  /** The lowest PID in the namespace, as lsns prints it. */
  readonly pid: number;
  readonly nprocs: number | null;
  readonly user: string | null;
  /** The id the node's own namespace knows it by; null when 'unassigned' or blank. */
  readonly netnsid: number | null;
  /** The first nsfs mount point, e.g. /run/netns/cni-…; null when not mounted. */
  readonly nsfs: string | null;
  /** The PID's whole command line, which may contain spaces. */
  readonly command: string;
}

const TABLE_TOOL = 'lsns -t net';
const JSON_TOOL = 'lsns -t net -J';

/** lsns columns that libsmartcols right-aligns (util-linux lsns.c, SCOLS_FL_RIGHT); all others are left-aligned. */
const RIGHT_ALIGNED = new Set(['NS', 'NPROCS', 'PID', 'PPID', 'UID', 'NETNSID', 'PNS', 'ONS']);
const REQUIRED_COLUMNS = ['NS', 'TYPE', 'PID', 'COMMAND'];

/** A tree branch libsmartcols draws at the start of COMMAND, ASCII or UTF-8, with the ancestors' verticals. */
const TREE_BRANCH = /^(?:[|│] *)*(?:[|`]-|[├└]─)/;

/**
 * Reads `lsns -t net` (a table) or `lsns -t net -J` (JSON), told apart by the content. Namespaces of
 * other types are dropped, and so are namespaces without a process (newer util-linux lists nsfs-pinned
 * ones with a blank PID): with no PID there is nothing to walk to a containerd shim.
 */
export function parseLsns(text: string): NetNamespace[] {
  return text.trimStart().startsWith('{') ? parseLsnsJson(text) : parseLsnsTable(text);
}

// ---------------------------------------------------------------------------------------------------
// Table

interface Column {
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly right: boolean;
}

function parseLsnsTable(text: string): NetNamespace[] {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((line) => line.trim() !== '');
  if (headerIndex === -1) throw new InputError(`not ${TABLE_TOOL} output: the text is empty`);
  const header = lines[headerIndex] as string;
  const columns = readHeader(header);
  const missing = REQUIRED_COLUMNS.filter((label) => !columns.some((c) => c.label === label));
  if (missing.length > 0) {
    throw new InputError(
      `not ${TABLE_TOOL} output: the first line is not an lsns header with ${REQUIRED_COLUMNS.join(' ')} ` +
        `(missing ${missing.join(', ')}): ${quote(header)}`,
    );
  }
  const index = (label: string): number => columns.findIndex((c) => c.label === label);
  const at = {
    ns: index('NS'),
    type: index('TYPE'),
    pid: index('PID'),
    command: index('COMMAND'),
    nprocs: index('NPROCS'),
    user: index('USER'),
    netnsid: index('NETNSID'),
    nsfs: index('NSFS'),
  };

  const namespaces: NetNamespace[] = [];
  let previousWasRow = false;
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const cells = sliceCells(line, columns);
    const cell = (k: number): string => (k === -1 ? '' : (cells[k] as string));
    const where = `line ${i + 1}`;
    if (cell(at.ns) === '') {
      // The continuation of a multi-line cell (a second NSFS mount point): the row above keeps its first.
      if (!previousWasRow)
        throw new InputError(`not ${TABLE_TOOL} output: ${where} has no NS: ${quote(line)}`);
      continue;
    }
    previousWasRow = true;
    const ns = integer(cell(at.ns), `${where} NS`, TABLE_TOOL);
    if (cell(at.type) !== 'net') continue;
    if (cell(at.pid) === '') continue;
    namespaces.push({
      ns,
      pid: integer(cell(at.pid), `${where} PID`, TABLE_TOOL),
      nprocs: at.nprocs === -1 ? null : integer(cell(at.nprocs), `${where} NPROCS`, TABLE_TOOL),
      user: cell(at.user) || null,
      netnsid: netnsid(cell(at.netnsid), `${where} NETNSID`, TABLE_TOOL),
      nsfs: cell(at.nsfs) || null,
      command: cell(at.command).replace(TREE_BRANCH, ''),
    });
  }
  return namespaces;
}

function readHeader(line: string): Column[] {
  const columns: Column[] = [];
  for (const match of line.matchAll(/\S+/g)) {
    const start = match.index;
    columns.push({
      label: match[0],
      start,
      end: start + match[0].length,
      right: RIGHT_ALIGNED.has(match[0]),
    });
  }
  return columns;
}

/**
 * Cuts one row into its cells. Between two columns the boundary is known from the header except where
 * a left-aligned column is followed by a right-aligned one (USER then NETNSID): there the right cell is
 * the run of non-blanks that ends under its label's end, or blank when that spot is blank.
 */
function sliceCells(line: string, columns: readonly Column[]): string[] {
  const bounds: number[] = [0];
  for (let i = 0; i + 1 < columns.length; i++) {
    const column = columns[i] as Column;
    const next = columns[i + 1] as Column;
    let bound: number;
    if (column.right) bound = column.end;
    else if (!next.right) bound = next.start;
    else {
      bound = next.end;
      while (bound > column.start && !isBlank(line[bound - 1])) bound--;
    }
    bounds.push(Math.max(bound, bounds[i] as number));
  }
  bounds.push(Math.max(line.length, bounds[bounds.length - 1] as number));
  return columns.map((_, i) => line.slice(bounds[i], bounds[i + 1]).trim());
}

function isBlank(char: string | undefined): boolean {
  return char === undefined || char === ' ' || char === '\t';
}

// ---------------------------------------------------------------------------------------------------
// JSON

function parseLsnsJson(text: string): NetNamespace[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new InputError(`not ${JSON_TOOL} output: ${(error as Error).message}`, { cause: error });
  }
  if (!isRecord(document) || !Array.isArray(document.namespaces)) {
    throw new InputError(`not ${JSON_TOOL} output: no "namespaces" array`);
  }
  const namespaces: NetNamespace[] = [];
  collect(document.namespaces, 'namespaces', namespaces);
  return namespaces;
}

/** Reads the entries in order, each followed by the rows libsmartcols nested under it as `children`. */
function collect(entries: unknown[], path: string, out: NetNamespace[]): void {
  entries.forEach((entry, i) => {
    const where = `${path}[${i}]`;
    if (!isRecord(entry)) throw new InputError(`not ${JSON_TOOL} output: ${where} is not an object`);
    const namespace = readEntry(entry, where);
    if (namespace !== null) out.push(namespace);
    if (entry.children === undefined || entry.children === null) return;
    if (!Array.isArray(entry.children)) {
      throw new InputError(`not ${JSON_TOOL} output: ${where}.children is not an array`);
    }
    collect(entry.children, `${where}.children`, out);
  });
}

function readEntry(entry: Record<string, unknown>, where: string): NetNamespace | null {
  const ns = integer(entry.ns, `${where}.ns`, JSON_TOOL);
  if (typeof entry.type !== 'string')
    throw new InputError(`not ${JSON_TOOL} output: ${where}.type is not a string`);
  if (entry.type !== 'net') return null;
  if (entry.pid === null || entry.pid === undefined || entry.pid === '') return null;
  const nsfs = optionalString(entry.nsfs, `${where}.nsfs`);
  return {
    ns,
    pid: integer(entry.pid, `${where}.pid`, JSON_TOOL),
    nprocs:
      entry.nprocs === undefined || entry.nprocs === null
        ? null
        : integer(entry.nprocs, `${where}.nprocs`, JSON_TOOL),
    user: optionalString(entry.user, `${where}.user`) || null,
    netnsid: netnsid(entry.netnsid, `${where}.netnsid`, JSON_TOOL),
    nsfs: nsfs?.split('\n')[0]?.trim() || null,
    command: optionalString(entry.command, `${where}.command`) ?? '',
  };
}

function optionalString(value: unknown, where: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InputError(`not ${JSON_TOOL} output: ${where} is not a string`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------
// Values

/** A non-negative integer: digits in a table and in older -J output, a JSON number in newer -J output. */
function integer(value: unknown, where: string, tool: string): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InputError(
      `not ${tool} output: ${where} is not an integer: ${JSON.stringify(value) ?? 'missing'}`,
    );
  }
  return n;
}

/** NETNSID: a number (a string in -J), 'unassigned', or blank / null when lsns could not ask the kernel. */
function netnsid(value: unknown, where: string, tool: string): number | null {
  if (value === undefined || value === null || value === '' || value === 'unassigned') return null;
  return integer(value, where, tool);
}

function quote(line: string): string {
  return JSON.stringify(line.length > 120 ? `${line.slice(0, 117)}...` : line);
}
