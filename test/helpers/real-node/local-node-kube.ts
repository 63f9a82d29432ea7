import type { ExecResult, KubePort } from '../../../src/workflow/ports';
import { HOST_ROOT } from '../../../src/workflow/node-commands';
import { CONTAINER_PATH, run } from './processes';

export interface LocalNodeKubeOptions {
  /** Execs into any pod of this namespace are the debug pod's. */
  readonly debugNamespace: string;
  /** The debug container's PATH: busybox applets only (busybox-applets.ts). */
  readonly appletDir: string;
  /** The answer to `chroot /host crictl pods -o json` (see exec). */
  readonly crictlPodsJson: () => string;
  /** `namespace/name` of an application pod -> the network namespace its container's execs run in. */
  readonly podNetns: ReadonlyMap<string, string>;
  readonly timeoutMs?: number;
}

/**
 * The Kubernetes API as the real-node tests need it: a debug pod and application pods that are this
 * machine. Exec is the only call; it runs each argv here, the way the pod would:
 *
 * - in the debug pod, `chroot /host <tool> ...` runs `<tool> ...` directly with this machine's tools:
 *   the machine's root is the node's, which the debug pod mounts at /host;
 * - any other debug-pod argv runs with busybox, on a PATH that holds the debug image's applets only;
 * - in an application pod, the argv runs in the pod's network namespace (`ip netns exec`) with this
 *   machine's tools, as its container would have them.
 */
export class LocalNodeKube implements KubePort {
  constructor(private readonly options: LocalNodeKubeOptions) {}

  exec(namespace: string, name: string, container: string, command: readonly string[]): Promise<ExecResult> {
    const timeoutMs = this.options.timeoutMs ?? 15_000;
    if (namespace !== this.options.debugNamespace) {
      const netns = this.options.podNetns.get(`${namespace}/${name}`);
      if (netns === undefined) {
        return Promise.reject(new Error(`pods "${name}" not found in ${namespace} (container ${container})`));
      }
      return run(['ip', 'netns', 'exec', netns, ...command], { timeoutMs });
    }
    if (command[0] === 'chroot' && command[1] === HOST_ROOT) {
      const onNode = command.slice(2);
      if (onNode[0] === 'crictl') return Promise.resolve(this.crictl(onNode));
      return run(onNode, { env: { PATH: CONTAINER_PATH }, timeoutMs });
    }
    return run(command, { env: { PATH: this.options.appletDir }, timeoutMs });
  }

  /**
   * THE ONE STAND-IN: this machine has no containerd, so `crictl pods -o json` is answered with JSON the
   * test builds from the sandboxes it made (the CRI ListPodSandbox shape crictl prints, as in
   * test/fixtures/correlation/crictl-pods.json). Any other crictl call fails as a missing crictl does.
   */
  private crictl(argv: readonly string[]): ExecResult {
    if (argv.join(' ') === 'crictl pods -o json') {
      return { stdout: this.options.crictlPodsJson(), stderr: '', exitCode: 0 };
    }
    // busybox chroot (coreutils/chroot.c, BB_EXECVP_or_die) on a node without the program.
    return {
      stdout: '',
      stderr: "chroot: can't execute 'crictl': No such file or directory\n",
      exitCode: 127,
    };
  }

  async execStream(
    namespace: string,
    name: string,
    container: string,
    command: readonly string[],
    onStdout: (chunk: Buffer) => void,
  ): Promise<Omit<ExecResult, 'stdout'>> {
    const { stdout, stderr, exitCode } = await this.exec(namespace, name, container, command);
    onStdout(Buffer.from(stdout, 'utf8'));
    return { stderr, exitCode };
  }

  findNodeByIp = notUsed;
  findNodeByName = notUsed;
  podsOnNode = notUsed;
  createPod = notUsed;
  readPod = notUsed;
  deletePod = notUsed;
  debugPods = notUsed;
  readLog = notUsed;
  followLog = notUsed;
}

function notUsed(): Promise<never> {
  return Promise.reject(new Error('not used by the real-node tests'));
}
