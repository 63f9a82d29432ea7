/**
 * cri-tools `crictl pods -o json` and `crictl ps -a -o json`: protobuf JSON of the CRI messages with default
 * values emitted, two-blank indent, map keys sorted (Go's encoding), newest first as crictl sorts them.
 */
import type { PodIdentity } from './node-identities';
import { rng } from './random';

function nanos(ms: number): string {
  return `${ms}000000`;
}

function sorted(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function newestFirst<T extends { readonly createdAt: string; readonly id: string }>(items: T[]): T[] {
  // createdAt is a decimal string of equal length here; compare as numbers to be safe.
  return items.sort((a, b) => Number(BigInt(b.createdAt) - BigInt(a.createdAt)) || (a.id < b.id ? -1 : 1));
}

export function renderCrictlPods(pods: readonly PodIdentity[], seenAt: (ms: number) => string): string {
  const items = newestFirst(
    pods.map(({ pod, createdAtMs }) => ({
      id: pod.sandboxId,
      metadata: { name: pod.name, uid: pod.uid, namespace: pod.namespace, attempt: 0 },
      state: 'SANDBOX_READY',
      createdAt: nanos(createdAtMs),
      labels: sorted({
        ...pod.labels,
        'io.kubernetes.pod.name': pod.name,
        'io.kubernetes.pod.namespace': pod.namespace,
        'io.kubernetes.pod.uid': pod.uid,
      }),
      annotations: sorted({
        'kubernetes.io/config.seen': seenAt(createdAtMs),
        'kubernetes.io/config.source': 'api',
      }),
      runtimeHandler: '',
    })),
  );
  return `${JSON.stringify({ items }, null, 2)}\n`;
}

export function renderCrictlPs(pods: readonly PodIdentity[], seed: number): string {
  const containers = newestFirst(
    pods.flatMap(({ pod, containerStartMs }) =>
      pod.containers.map((container, i) => ({
        id: container.containerId,
        podSandboxId: pod.sandboxId,
        metadata: { name: container.name, attempt: 0 },
        image: { image: container.imageId, annotations: {}, userSpecifiedImage: '', runtimeHandler: '' },
        imageRef: container.imageId,
        state: 'CONTAINER_RUNNING',
        createdAt: nanos((containerStartMs[i] as number) - 400),
        labels: sorted({
          'io.kubernetes.container.name': container.name,
          'io.kubernetes.pod.name': pod.name,
          'io.kubernetes.pod.namespace': pod.namespace,
          'io.kubernetes.pod.uid': pod.uid,
        }),
        annotations: sorted({
          'io.kubernetes.container.hash': rng(seed, 'container-hash', container.image, container.name).hex(4),
          'io.kubernetes.container.restartCount': '0',
          'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
          'io.kubernetes.container.terminationMessagePolicy': 'File',
          'io.kubernetes.pod.terminationGracePeriod': '30',
        }),
        imageId: '',
      })),
    ),
  );
  return `${JSON.stringify({ containers }, null, 2)}\n`;
}
