import type { Finding } from '../core/finding';
import { renderCard } from '../core/render-card';
import { renderHtml } from '../core/render-html';
import { renderText } from '../core/render-text';
import type { ArchivePort } from '../workflow/investigate';
import type { CliIo } from './io';

/** The finding's sinks on a laptop: card.json and report.html beside the raw evidence, then the terminal. */
export async function deliver(
  finding: Finding,
  archive: ArchivePort,
  json: boolean,
  io: CliIo,
): Promise<void> {
  await archive.write('card.json', `${JSON.stringify(renderCard(finding), null, 2)}\n`);
  await archive.write('report.html', renderHtml(finding));
  if (json) {
    io.stdout.write(`${JSON.stringify(finding, null, 2)}\n`);
  } else {
    io.stdout.write(renderText(finding));
    io.stdout.write(`\nCard, report and raw evidence: ${archive.location}\n`);
  }
}
