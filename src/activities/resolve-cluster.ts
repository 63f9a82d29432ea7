import { z } from 'zod';
import { defineActivity } from './activity';

const text = z.string().min(1).max(1024);

/** The managed cluster, from its resource ID (a rerun) or its load balancer's node resource group (an alert). */
export const resolveCluster = defineActivity({
  name: 'resolveCluster',
  input: z.object({
    cluster: z.union([
      z.object({ clusterId: text }),
      z.object({ subscriptionId: text, nodeResourceGroup: text }),
    ]),
  }),
  run: ({ cluster }, ports) => ports.azure.findCluster(cluster),
});
