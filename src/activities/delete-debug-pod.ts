import { z } from 'zod';
import { debugPodName } from '../adapters/kube/debug-pod';
import { clusterInfoSchema, defineActivity, investigationIdSchema, kubeFor } from './activity';

/** Deletes the investigation's debug pod; one already gone is no error. Runs in every outcome. */
export const deleteDebugPod = defineActivity({
  name: 'deleteDebugPod',
  input: z.object({ cluster: clusterInfoSchema, investigationId: investigationIdSchema }),
  run: async ({ cluster, investigationId }, ports): Promise<{ readonly deleted: string }> => {
    const kube = await kubeFor(ports, cluster);
    const name = debugPodName(investigationId);
    await kube.deletePod(ports.debugNamespace, name);
    return { deleted: `${ports.debugNamespace}/${name}` };
  },
});
