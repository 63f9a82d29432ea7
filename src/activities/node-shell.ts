import type { CommandRecord } from '../core/node-command-record';
import { oneLine } from '../core/errors';
import type { ExecResult, KubePort } from '../workflow/ports';

/**
 * Execs into one container, each command kept for the record (`commands.txt`) with its exit status. An
 * exec that fails to run at all throws, as KubePort.exec does, and is recorded as not run.
 */
export class NodeShell {
  readonly records: CommandRecord[] = [];

  constructor(
    private readonly kube: KubePort,
    private readonly namespace: string,
    private readonly pod: string,
    private readonly container: string,
    private readonly step: string,
    private readonly where = 'debug pod',
  ) {}

  run(argv: readonly string[]): Promise<ExecResult> {
    return this.recorded(argv, () => this.kube.exec(this.namespace, this.pod, this.container, argv));
  }

  /** Like run, with stdout handed over in chunks as it arrives rather than kept. */
  stream(
    argv: readonly string[],
    onStdout: (chunk: Buffer) => void | Promise<void>,
  ): Promise<Omit<ExecResult, 'stdout'>> {
    return this.recorded(argv, () =>
      this.kube.execStream(this.namespace, this.pod, this.container, argv, onStdout),
    );
  }

  /** The container's own log: in the debug pod, tcptracer's stderr (libbcc's lost samples, Python's errors). */
  log(limitBytes = 4 * 1024 * 1024): Promise<string> {
    return this.kube.readLog(this.namespace, this.pod, this.container, limitBytes);
  }

  private async recorded<R extends { readonly exitCode: number }>(
    argv: readonly string[],
    call: () => Promise<R>,
  ): Promise<R> {
    const record = { step: this.step, where: this.where, argv: [...argv] };
    try {
      const result = await call();
      this.records.push({ ...record, exitCode: result.exitCode });
      return result;
    } catch (error) {
      this.records.push({ ...record, exitCode: null, error: oneLine(error) });
      throw error;
    }
  }
}
