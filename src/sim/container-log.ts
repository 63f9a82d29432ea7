/**
 * What one container has written: the text so far, and followers that get each new chunk and are told
 * when the container is done (or gone), as `kubectl logs -f` is.
 */
export interface LogFollower {
  onChunk(chunk: string): void;
  onEnd(): void;
}

export class ContainerLog {
  private content = '';
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
    this.content += chunk;
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
