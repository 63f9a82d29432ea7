/**
 * What one container has written: the text so far, and followers that get each new chunk and are told
 * when the container is done (or gone), as `kubectl logs -f` is.
 */
export interface LogFollower {
  onChunk(chunk: string): void;
  onEnd(): void;
}

/** kubelet's containerLogMaxSize default (10 MiB): past it the log file is rotated. */
export const CONTAINER_LOG_MAX_BYTES = 10 * 1024 * 1024;

/**
 * kubelet serves a container's log from its current file only (pkg/kubelet/logs/container_log_manager.go rotates it): once the
 * file passes containerLogMaxSize it is rotated, and what it held is no longer in `kubectl logs`. A
 * follower already attached goes on receiving, as kubelet follows the new file; a later read starts at
 * the rotation.
 */
export class ContainerLog {
  private content = '';
  private bytes = 0;

  constructor(private readonly maxBytes = CONTAINER_LOG_MAX_BYTES) {}
  private finished = false;
  private readonly followers = new Set<LogFollower>();

  get text(): string {
    return this.content;
  }

  get ended(): boolean {
    return this.finished;
  }

  append(chunk: string): void {
    if (this.finished || chunk === '') return;
    const size = Buffer.byteLength(chunk);
    if (this.bytes + size > this.maxBytes) {
      this.content = '';
      this.bytes = 0;
    }
    this.content += chunk;
    this.bytes += size;
    for (const follower of this.followers) follower.onChunk(chunk);
  }

  end(): void {
    if (this.finished) return;
    this.finished = true;
    for (const follower of this.followers) follower.onEnd();
    this.followers.clear();
  }

  /** Subscribes to what comes after `text`; an ended log ends the follower at once. Returns the unsubscribe. */
  follow(follower: LogFollower): () => void {
    if (this.finished) {
      follower.onEnd();
      return () => undefined;
    }
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }
}

/** The last `lines` lines of `text` (`tailLines`); a final line without a newline counts as a line. */
export function tailLines(text: string, lines: number | undefined): string {
  if (lines === undefined) return text;
  if (lines <= 0) return '';
  const parts = text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) parts.pop();
  const kept = parts.slice(-lines).join('\n');
  return kept === '' && !trailingNewline ? '' : kept + (trailingNewline ? '\n' : '');
}
