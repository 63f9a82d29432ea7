/** The activities of a whole investigation, in the order they run: 9, whatever the pod count. */
export const STEPS = [
  'resolveCluster',
  'findNode',
  'startTrace',
  'snatUsage',
  'inspectNode',
  'collectTrace',
  'deleteDebugPod',
  'archiveFinding',
  'postCard',
];
