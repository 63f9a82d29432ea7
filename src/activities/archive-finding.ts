import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Finding } from '../core/finding';
import { renderCard } from '../core/render-card';
import { renderHtml } from '../core/render-html';
import { renderCommands } from '../core/node-command-record';
import { SpoolingArchive } from '../adapters/archive/spooling-archive';
import { archiveFolderSchema, defineActivity } from './activity';

let renderer: Promise<string> | null = null;

/** The adaptivecards library's single-file build, inlined into report.html: read once per process. */
function cardRenderer(): Promise<string> {
  renderer ??= readFile(require.resolve('adaptivecards/dist/adaptivecards.min.js'), 'utf8');
  return renderer;
}

export interface ArchivedFinding {
  readonly location: string;
  /** What the archive had to say about itself (raw files kept, then archived late). */
  readonly warnings: readonly string[];
}

const commandRecordSchema = z.object({
  step: z.string().max(64),
  where: z.string().max(600),
  argv: z.array(z.string().max(4096)).max(256).readonly(),
  exitCode: z.number().int().nullable(),
  error: z.string().max(2000).optional(),
});

export const findingSchema = z.custom<Finding>(
  (value) =>
    typeof value === 'object' && value !== null && (value as { schemaVersion?: unknown }).schemaVersion === 1,
  'not a Finding (schemaVersion 1)',
);

/**
 * The finding and its renderings (report.html, card.json) beside the raw evidence, before anything is
 * posted anywhere. The archived finding names its own folder.
 */
export const archiveFinding = defineActivity({
  name: 'archiveFinding',
  input: z.object({
    finding: findingSchema,
    archiveFolder: archiveFolderSchema,
    /** Every node-side command that ran, for `commands.txt`. */
    commands: z.array(commandRecordSchema).max(20_000).default([]),
  }),
  run: async ({ finding, archiveFolder, commands }, ports): Promise<ArchivedFinding> => {
    const spooling = ports.archive(archiveFolder);
    // What the steps had to keep while the archive was down goes first; if it is still down, this step
    // fails (and is retried), the kept files staying where they are.
    const spooled = spooling instanceof SpoolingArchive ? spooling : null;
    const where = spooled?.spoolLocation;
    const kept = spooled === null ? 0 : await spooled.flush();
    const archive = spooled?.direct ?? spooling;
    const warnings =
      kept === 0
        ? []
        : [
            `${kept} raw files were kept on ${where ?? 'local disk'} while the archive was unavailable, and archived by a retry`,
          ];
    const archived: Finding = {
      ...finding,
      warnings: [...finding.warnings, ...warnings],
      archive: { location: archive.location },
    };
    const card = renderCard(archived);
    await archive.write('finding.json', `${JSON.stringify(archived, null, 2)}\n`);
    await archive.write(
      'report.html',
      renderHtml(archived, { card: { json: card, renderer: await cardRenderer() } }),
    );
    await archive.write('card.json', `${JSON.stringify(card, null, 2)}\n`);
    if (commands.length > 0) await archive.write('commands.txt', renderCommands(commands));
    return { location: archive.location, warnings };
  },
});
