/**
 * What a real-node test made (namespaces, processes, mount points, temp dirs), undone in reverse order in
 * afterAll, whether the test passed, failed or never got past its setup. Each step is registered as soon
 * as the thing it undoes exists, so a setup that fails half-way is undone as far as it got.
 */
export class Cleanup {
  private readonly steps: { readonly what: string; readonly undo: () => unknown }[] = [];

  add(what: string, undo: () => unknown): void {
    this.steps.push({ what, undo });
  }

  /** Every step, last first; one failing does not stop the others. Throws once, naming all that failed. */
  async run(): Promise<void> {
    const failed: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop();
      if (step === undefined) break;
      try {
        await step.undo();
      } catch (error) {
        failed.push(`${step.what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failed.length > 0) throw new Error(`cleanup failed: ${failed.join('; ')}`);
  }
}
