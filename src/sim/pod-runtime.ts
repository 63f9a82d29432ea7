import type { V1Pod } from '@kubernetes/client-node';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Where an exec's output goes as it is made, when the runtime streams it rather than return it whole. */
export interface ExecStreams {
  stdout(chunk: Buffer): Promise<void>;
}

/**
 * The container runtime could not start the container's command (containerd/runc): the kubelet shows it
 * as `terminated` with reason StartError, exit code 128, and the runtime's message (restartPolicy Never).
 */
export class ContainerStartError extends Error {
  override readonly name = 'ContainerStartError';
}

/** What runs inside pods: supplied by the node model or a test fake. */
export interface PodRuntime {
  /**
   * The container's output for a pod the server created (POST), as chunks over time (its log); the
   * container exits when the iterable ends, with the number it returns (0 if none), with code 1 when it
   * throws, or fails to start (StartError) when it throws a ContainerStartError. Called once per container
   * of a created pod when the pod starts Running. `signal` aborts when the container is stopped before it
   * ends (pod deleted, deadline passed, server closed); the server stops reading the iterable then in any case.
   */
  run(pod: V1Pod, container: string, signal?: AbortSignal): AsyncIterable<string, number | void>;
  /**
   * `kubectl exec` / client-node Exec into a running pod. A runtime may write stdout to `streams` as it
   * goes (a large file): what it returns in `stdout` then follows what it streamed.
   */
  exec(pod: V1Pod, container: string, command: readonly string[], streams?: ExecStreams): Promise<ExecResult>;
}
