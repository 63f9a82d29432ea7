import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Finding } from '../core/finding';
import { renderCard } from '../core/render-card';
import { renderHtml } from '../core/render-html';
import { archiveFolderSchema, defineActivity } from './activity';

let renderer: Promise<string> | null = null;

/** The adaptivecards library's single-file build, inlined into report.html: read once per process. */
function cardRenderer(): Promise<string> {
  renderer ??= readFile(require.resolve('adaptivecards/dist/adaptivecards.min.js'), 'utf8');
  return renderer;
}

const findingSchema = z.custom<Finding>(
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
  input: z.object({ finding: findingSchema, archiveFolder: archiveFolderSchema }),
  run: async ({ finding, archiveFolder }, ports): Promise<{ readonly location: string }> => {
    const archive = ports.archive(archiveFolder);
    const archived: Finding = { ...finding, archive: { location: archive.location } };
    const card = renderCard(archived);
    await archive.write('finding.json', `${JSON.stringify(archived, null, 2)}\n`);
    await archive.write(
      'report.html',
      renderHtml(archived, { card: { json: card, renderer: await cardRenderer() } }),
    );
    await archive.write('card.json', `${JSON.stringify(card, null, 2)}\n`);
    return { location: archive.location };
  },
});
