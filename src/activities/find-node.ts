import { z } from 'zod';
import { parseIp } from '../core/ip-address';
import { isDns1123Subdomain } from '../core/validate-names';
import type { FoundNode } from '../workflow/ports';
import { clusterInfoSchema, defineActivity, kubeFor } from './activity';

/** `kubectl get nodes -o wide | grep <ip>`: the node with that InternalIP (or name), or null. */
export const findNode = defineActivity({
  name: 'findNode',
  input: z.object({
    cluster: clusterInfoSchema,
    node: z.union([
      z.object({ ip: z.string().refine((ip) => parseIp(ip) !== null, 'not an IP address') }),
      z.object({ name: z.string().refine(isDns1123Subdomain, 'not a node name (DNS-1123)') }),
    ]),
  }),
  run: async ({ cluster, node }, ports): Promise<FoundNode | null> => {
    const kube = await kubeFor(ports, cluster);
    return 'ip' in node ? kube.findNodeByIp(node.ip) : kube.findNodeByName(node.name);
  },
});
