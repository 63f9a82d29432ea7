import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import type { ArchivePort } from '../../workflow/ports';

/**
 * The archive on a local disk, for `aks-snat demo` and `investigate` (`--out DIR`): the same relative
 * paths as in Blob storage (DESIGN.md section 4). Paths come from the workflow, partly from pod names:
 * one that would leave the folder is refused.
 */
export class DirectoryArchive implements ArchivePort {
  readonly location: string;

  constructor(root: string) {
    this.location = resolve(root);
  }

  async write(path: string, content: string): Promise<void> {
    const target = this.target(path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }

  async writeChunks(path: string, chunks: AsyncIterable<Buffer>): Promise<void> {
    const target = this.target(path);
    await mkdir(dirname(target), { recursive: true });
    await pipeline(Readable.from(chunks), createWriteStream(target));
  }

  read(path: string): Promise<string> {
    return readFile(this.target(path), 'utf8');
  }

  private target(path: string): string {
    const relative = normalize(path);
    if (isAbsolute(relative) || relative === '..' || relative.startsWith(`..${sep}`)) {
      throw new RangeError(`archive path leaves the archive: ${path}`);
    }
    return join(this.location, relative);
  }
}
