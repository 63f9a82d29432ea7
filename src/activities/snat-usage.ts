import { z } from 'zod';
import { oneLine } from '../core/errors';
import { nodeIpSchema } from '../core/investigation-request';
import type { NodeSnat } from '../workflow/ports';
import { clusterInfoSchema, defineActivity } from './activity';

export type SnatReading = { readonly usage: NodeSnat | null } | { readonly problem: string };

/**
 * The load balancer's SNAT figures for the node over the last 30 minutes. Metrics that cannot be read
 * only leave the figures out of the finding: the problem is returned, not thrown.
 */
export const snatUsage = defineActivity({
  name: 'snatUsage',
  input: z.object({
    cluster: clusterInfoSchema,
    nodeIp: nodeIpSchema,
  }),
  run: async ({ cluster, nodeIp }, ports): Promise<SnatReading> => {
    try {
      const usage = await ports.azure.snatUsage(cluster);
      return { usage: usage.get(nodeIp) ?? null };
    } catch (error) {
      return { problem: oneLine(error) };
    }
  },
});
