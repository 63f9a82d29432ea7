import { z } from 'zod';
import { renderCard, teamsEnvelope } from '../core/render-card';
import { findingSchema } from './archive-finding';
import { archiveFolderSchema, defineActivity } from './activity';

export interface CardPost {
  /** null: no Teams channel is configured (the CLI). */
  readonly posted: boolean | null;
  readonly attempts: number;
  readonly reason: string | null;
}

/**
 * The archived card.json, as archived, to the Teams channel: after the archive, never before. When the
 * archive is down, the card is made from the finding itself, which says that the evidence is kept.
 */
export const postCard = defineActivity({
  name: 'postCard',
  input: z.union([z.object({ archiveFolder: archiveFolderSchema }), z.object({ finding: findingSchema })]),
  run: async (input, ports): Promise<CardPost> => {
    if (ports.teams === undefined) return { posted: null, attempts: 0, reason: null };
    const card: unknown =
      'finding' in input
        ? renderCard(input.finding)
        : JSON.parse(await ports.archive(input.archiveFolder).read('card.json'));
    return ports.teams(teamsEnvelope(card as Record<string, unknown>));
  },
});
