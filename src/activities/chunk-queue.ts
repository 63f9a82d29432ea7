/**
 * Chunks handed over by a callback (an exec's stdout) as an async iterable for a consumer that writes at
 * its own pace (the archive). What the consumer has not taken yet waits here.
 */
export class ChunkQueue implements AsyncIterable<Buffer> {
  private readonly queued: Buffer[] = [];
  private bytes = 0;
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private room: (() => void) | null = null;

  /** `highWaterMark`: past this many bytes waiting, push asks the producer to wait. */
  constructor(private readonly highWaterMark = 16 * 1024 * 1024) {}

  /** Queues a chunk; past the high-water mark, a promise that settles once the consumer has made room. */
  push(chunk: Buffer): Promise<void> | undefined {
    this.queued.push(chunk);
    this.bytes += chunk.length;
    this.notify();
    if (this.bytes <= this.highWaterMark) return undefined;
    return new Promise<void>((resolve) => (this.room = resolve));
  }

  /** No more chunks: the consumer ends once it has taken what is queued. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** The producer failed: the consumer fails too, rather than write a file cut short as if whole. */
  fail(error: Error): void {
    this.failure = error;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      if (this.failure !== null) throw this.failure;
      const chunk = this.queued.shift();
      if (chunk !== undefined) {
        this.bytes -= chunk.length;
        if (this.bytes <= this.highWaterMark / 2) {
          const room = this.room;
          this.room = null;
          room?.();
        }
        yield chunk;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
