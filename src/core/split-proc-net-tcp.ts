const HEADER = /^\s*sl\s+local_address\s+(rem_address|remote_address)\b/;

/**
 * `cat /proc/<p1>/net/tcp /proc/<p1>/net/tcp6 /proc/<p2>/net/tcp ...` as one text, cut back into one
 * `tcp` + `tcp6` text per process: each file starts with its header line (IPv4's says rem_address,
 * IPv6's remote_address). Null when the output does not hold exactly `count` such pairs, in order — a
 * process that exited makes cat skip its files — so the caller can read those processes one by one.
 */
export function splitProcNetTcp(text: string, count: number): string[] | null {
  const files: { kind: string; lines: string[] }[] = [];
  for (const line of text.split('\n')) {
    const header = HEADER.exec(line);
    if (header !== null) files.push({ kind: header[1] as string, lines: [line] });
    else if (files.length > 0 && line !== '') files[files.length - 1]?.lines.push(line);
    else if (line !== '') return null;
  }
  if (files.length !== 2 * count) return null;
  const tables: string[] = [];
  for (let i = 0; i < count; i++) {
    const v4 = files[2 * i];
    const v6 = files[2 * i + 1];
    if (v4?.kind !== 'rem_address' || v6?.kind !== 'remote_address') return null;
    tables.push(`${[...v4.lines, ...v6.lines].join('\n')}\n`);
  }
  return tables;
}
