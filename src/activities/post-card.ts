import { z } from 'zod';
import { teamsEnvelope } from '../core/render-card';
import { archiveFolderSchema, defineActivity } from './activity';

export interface CardPost {
  /** null: no Teams channel is configured (the CLI). */
  readonly posted: boolean | null;
  readonly attempts: number;
  readonly reason: string | null;
}

/** The archived card.json, as archived, to the Teams channel: after the archive, never before. */
export const postCard = defineActivity({
  name: 'postCard',
  input: z.object({ archiveFolder: archiveFolderSchema }),
  run: async ({ archiveFolder }, ports): Promise<CardPost> => {
    if (ports.teams === undefined) return { posted: null, attempts: 0, reason: null };
    const card: unknown = JSON.parse(await ports.archive(archiveFolder).read('card.json'));
    return ports.teams(teamsEnvelope(card as Record<string, unknown>));
  },
});
