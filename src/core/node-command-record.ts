/**
 * What ran on the node, for the record (`commands.txt` in the archive, DESIGN.md section 4): every
 * node-side command line with its exit status, in the order it ran.
 */
export interface CommandRecord {
  /** Which step ran it. */
  readonly step: string;
  /** Where: `debug pod` (the privileged one), or the `namespace/pod/container` a kubectl exec went to. */
  readonly where: string;
  readonly argv: readonly string[];
  /** Null when it never ran to an end (the exec was refused, or its connection failed). */
  readonly exitCode: number | null;
  /** Why it has no exit status, when it has none. */
  readonly error?: string;
}

/** A word as a shell reader would retype it: bare when safe, single-quoted otherwise. */
function shellWord(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * One entry per command, in the order they ran: a comment line (step, where, outcome), then the command
 * line as it could be typed again. The same command run again at once with the same outcome (a poll) is
 * one entry that says how many times.
 */
export function renderCommands(records: readonly CommandRecord[]): string {
  const entries: { head: string; line: string; times: number }[] = [];
  for (const record of records) {
    const outcome =
      record.exitCode === null ? `not run (${record.error ?? 'no status'})` : `exit ${record.exitCode}`;
    const head = `# ${record.step} in ${record.where}: ${outcome}`;
    const line = record.argv.map(shellWord).join(' ');
    const last = entries.at(-1);
    if (last !== undefined && last.head === head && last.line === line) last.times++;
    else entries.push({ head, line, times: 1 });
  }
  return entries
    .map(({ head, line, times }) => `${head}${times > 1 ? ` (${times} times in a row)` : ''}\n${line}\n`)
    .join('');
}
