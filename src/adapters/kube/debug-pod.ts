import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { InputError } from '../../core/errors';

/** Where the debug pod runs unless told otherwise (a namespace of the responder's own, Pod Security privileged). */
export const DEFAULT_DEBUG_NAMESPACE = 'aks-snat-responder';
/** A small image with a shell: the tools come from the node (nsenter into PID 1), not from the image. */
export const DEFAULT_DEBUG_IMAGE = 'mcr.microsoft.com/cbl-mariner/busybox:2.0';

/** Labels every responder debug pod carries, so that a sweeper finds leftovers. */
export const DEBUG_POD_LABELS = {
  'app.kubernetes.io/name': 'aks-snat-responder',
  'app.kubernetes.io/component': 'debug-pod',
} as const;
export const INVESTIGATION_LABEL = 'aks-snat.io/investigation';
/**
 * Which run of the investigation made the pod (its request time): a retried step of the same run finds its
 * own pod, while a rerun after a crash knows the pod it finds for what it is, a leftover to replace.
 */
export const RUN_ANNOTATION = 'aks-snat.io/run';
/** The line the debug pod prints when the trace window is over; never part of the trace. */
export const TRACE_END_MARKER = '--- aks-snat: trace done ---';
/** How long the pod stays up after the trace for the correlation and socket commands. */
export const EXEC_WINDOW_SECONDS = 300;
/** The debug pod's one container: the trace's log and the execs go there. */
export const DEBUG_CONTAINER = 'debug';

export interface DebugPodOptions {
  readonly investigationId: string;
  readonly nodeName: string;
  readonly namespace: string;
  readonly image: string;
  readonly traceSeconds: number;
  /** The run's request time (ISO 8601), kept as the RUN_ANNOTATION. */
  readonly runId: string;
}

/**
 * An image reference as a container runtime takes it: `[registry[:port]/]path[:tag][@sha256:<64 hex>]`,
 * lower-case path components. A digest pins the exact image (what runs privileged on a production node
 * should not change under a moving tag).
 */
const IMAGE_REFERENCE =
  /^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

export function isImageReference(reference: string): boolean {
  return reference.length <= 255 && IMAGE_REFERENCE.test(reference);
}

/** True when the reference names its image by digest. */
export function isPinnedByDigest(reference: string): boolean {
  return isImageReference(reference) && /@sha256:[0-9a-f]{64}$/.test(reference);
}

/** A DNS-1123 name from the investigation ID: the same ID always names the same pod. */
export function debugPodName(investigationId: string): string {
  const hash = createHash('sha256').update(investigationId).digest('hex').slice(0, 12);
  return `aks-snat-debug-${hash}`;
}

/** The command the pod runs on the host: the trace, the end marker, then a hold for the execs. */
export function tracerCommand(traceSeconds: number): string[] {
  if (!Number.isInteger(traceSeconds) || traceSeconds < 1 || traceSeconds > 3600) {
    throw new InputError(`traceSeconds must be an integer from 1 to 3600, not ${traceSeconds}`);
  }
  return [
    'nsenter',
    '-t',
    '1',
    '-m',
    '-u',
    '-i',
    '-n',
    '-p',
    '--',
    'sh',
    '-c',
    // traceSeconds is a checked integer: nothing from outside reaches this string unvalidated.
    `timeout ${traceSeconds}s /usr/share/bcc/tools/tcptracer -t4v; echo '${TRACE_END_MARKER}'; exec sleep ${EXEC_WINDOW_SECONDS}`,
  ];
}

/**
 * The privileged debug pod of DESIGN.md section 3: pinned to the node, in the host's PID and network
 * namespaces, tolerating every taint, pulled only if absent (the node's own egress may be exhausted),
 * and bounded by a deadline so that it goes away even if the responder does not come back for it.
 */
export function debugPodSpec(options: DebugPodOptions): V1Pod {
  if (!isImageReference(options.image)) throw new InputError(`not an image reference: '${options.image}'`);
  const name = debugPodName(options.investigationId);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: options.namespace,
      labels: { ...DEBUG_POD_LABELS, [INVESTIGATION_LABEL]: name.slice('aks-snat-debug-'.length) },
      annotations: { [RUN_ANNOTATION]: options.runId },
    },
    spec: {
      nodeName: options.nodeName,
      hostPID: true,
      hostNetwork: true,
      restartPolicy: 'Never',
      activeDeadlineSeconds: options.traceSeconds + EXEC_WINDOW_SECONDS + 60,
      // Nothing in it talks to the API server, and nothing of the cluster's services should leak into its
      // environment: no token, no service links.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      // Deleted means gone now: the pod only sleeps once the trace is read.
      terminationGracePeriodSeconds: 0,
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: DEBUG_CONTAINER,
          image: options.image,
          imagePullPolicy: 'IfNotPresent',
          command: tracerCommand(options.traceSeconds),
          securityContext: { privileged: true },
          resources: {
            requests: { cpu: '50m', memory: '64Mi' },
            limits: { cpu: '500m', memory: '256Mi' },
          },
        },
      ],
    },
  };
}
