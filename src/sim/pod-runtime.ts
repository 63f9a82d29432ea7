import type { V1Pod } from '@kubernetes/client-node';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** What runs inside pods: supplied by the node model or a test fake. */
export interface PodRuntime {
  /**
   * The container's output for a pod the server created (POST), as chunks over time; the container exits
   * (code 0) when the iterable ends, with code 1 when it throws. Called once per container of a created
   * pod when the pod starts Running. `signal` aborts when the container is stopped before it ends (pod
   * deleted, deadline passed, server closed); the server stops reading the iterable then in any case.
   */
  run(pod: V1Pod, container: string, signal?: AbortSignal): AsyncIterable<string>;
  /** `kubectl exec` / client-node Exec into a running pod. */
  exec(pod: V1Pod, container: string, command: readonly string[]): Promise<ExecResult>;
}
