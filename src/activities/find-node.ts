import { z } from 'zod';
import { nodeIpSchema, nodeNameSchema } from '../core/investigation-request';
import type { FoundNode } from '../workflow/ports';
import { clusterInfoSchema, defineActivity, kubeFor } from './activity';

/** `kubectl get nodes -o wide | grep <ip>`: the node with that InternalIP (or name), or null. */
export const findNode = defineActivity({
  name: 'findNode',
  input: z.object({
    cluster: clusterInfoSchema,
    node: z.union([z.object({ ip: nodeIpSchema }), z.object({ name: nodeNameSchema })]),
  }),
  run: async ({ cluster, node }, ports): Promise<FoundNode | null> => {
    const kube = await kubeFor(ports, cluster);
    return 'ip' in node ? kube.findNodeByIp(node.ip) : kube.findNodeByName(node.name);
  },
});
