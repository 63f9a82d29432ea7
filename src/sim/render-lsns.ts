/**
 * util-linux 2.38 `lsns -t net -J`: one object per network namespace, sorted by inode, named by the lowest
 * PID in it; libsmartcols JSON (three-blank indent, `},{` between rows, numbers for NS/NPROCS/PID, NETNSID
 * as a string). A row nests under another (`children`) only when its process is a child of that row's
 * process; a pod's pause process is the shim's child, and no shim names a namespace, so pods' rows are
 * top-level.
 */

export interface LsnsRow {
  readonly ns: number;
  readonly nprocs: number;
  readonly pid: number;
  readonly user: string;
  /** null prints as "unassigned". */
  readonly netnsid: number | null;
  readonly nsfs: string | null;
  readonly command: string;
}

export function renderLsnsJson(rows: readonly LsnsRow[]): string {
  const objects = [...rows]
    .sort((a, b) => a.ns - b.ns)
    .map((row) =>
      [
        `         "ns": ${row.ns}`,
        `         "type": "net"`,
        `         "nprocs": ${row.nprocs}`,
        `         "pid": ${row.pid}`,
        `         "user": ${JSON.stringify(row.user)}`,
        `         "netnsid": ${JSON.stringify(row.netnsid === null ? 'unassigned' : String(row.netnsid))}`,
        `         "nsfs": ${row.nsfs === null ? 'null' : JSON.stringify(row.nsfs)}`,
        `         "command": ${JSON.stringify(row.command)}`,
      ].join(',\n'),
    );
  return `{\n   "namespaces": [\n      {\n${objects.join('\n      },{\n')}\n      }\n   ]\n}\n`;
}
