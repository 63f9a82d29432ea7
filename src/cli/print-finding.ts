import type { Finding } from '../core/finding';
import { renderText } from '../core/render-text';
import type { CliIo } from './io';

/** The finding on the terminal: with --json the Finding and nothing else, else the readable report. */
export function printFinding(finding: Finding, json: boolean, io: CliIo): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(finding, null, 2)}\n`);
    return;
  }
  io.stdout.write(renderText(finding));
}
