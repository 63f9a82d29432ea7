import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { InputError } from '../../core/errors';
import {
  debugPodCommand,
  EXEC_WINDOW_SECONDS,
  HOST_ROOT,
  TRACE_DIR,
  TRACER_STARTUP_LIMIT_SECONDS,
} from '../../workflow/node-commands';

export { EXEC_WINDOW_SECONDS };

/** Where the debug pod runs unless told otherwise (a namespace of the responder's own, Pod Security privileged). */
export const DEFAULT_DEBUG_NAMESPACE = 'aks-snat-responder';
/**
 * A small image with a shell, as AKS's node-access docs use it: busybox without nsenter or ss, so the tools
 * come from the node, under `chroot /host` (see workflow/node-commands.ts).
 */
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
/** The debug pod's one container: the execs go there. */
export const DEBUG_CONTAINER = 'debug';
/**
 * The container's PATH: busybox's applets are in /bin, and after `chroot /host` the node's tools are found
 * on it. AgentBaker puts crictl in /opt/bin when it installs it from the tarball (cse_install.sh
 * `CRICTL_BIN_DIR="/opt/bin"`), which no image default names.
 */
export const DEBUG_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/bin';
/** The trace's scratch space on the node's disk: above TRACE_LIMIT_BYTES, so that the tracer's own bound comes first. */
export const TRACE_DIR_SIZE_LIMIT = '2560Mi';

/**
 * Sized for bcc's compile, which runs inside the pod's cgroup: bcc builds tcptracer's C program with
 * clang/LLVM against the node's kernel headers before anything is traced (iovisor/bcc#2367: the clang
 * frontend is most of bcc's start-up). That compile is single-threaded and takes a core for seconds, and
 * its memory (clang parsing the kernel headers, then LLVM) runs to a few hundred MiB; a CPU limit below a
 * core only stretches the compile, and a memory limit under it is an OOM kill before the banner (which the
 * finding then says). Tracing itself is one Python process formatting events: well under a core at
 * 20,000 events/s. The trace file counts as the pod's ephemeral storage.
 */
export const DEBUG_POD_RESOURCES = {
  requests: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '64Mi' },
  limits: { cpu: '1', memory: '768Mi', 'ephemeral-storage': '3Gi' },
} as const;

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
      activeDeadlineSeconds: TRACER_STARTUP_LIMIT_SECONDS + options.traceSeconds + EXEC_WINDOW_SECONDS + 60,
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
          command: debugPodCommand(options.traceSeconds),
          env: [{ name: 'PATH', value: DEBUG_PATH }],
          securityContext: { privileged: true },
          volumeMounts: [
            { name: 'host', mountPath: HOST_ROOT },
            { name: 'trace', mountPath: TRACE_DIR },
          ],
          resources: {
            requests: { ...DEBUG_POD_RESOURCES.requests },
            limits: { ...DEBUG_POD_RESOURCES.limits },
          },
        },
      ],
      volumes: [
        // AKS's node access: the node's `/` at /host, then `chroot /host` (kubectl debug node/... does the same).
        { name: 'host', hostPath: { path: '/', type: 'Directory' } },
        { name: 'trace', emptyDir: { sizeLimit: TRACE_DIR_SIZE_LIMIT } },
      ],
    },
  };
}
