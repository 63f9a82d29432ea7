import { createReadStream } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ArchivePort } from '../../workflow/ports';
import { DirectoryArchive } from './directory-archive';

/** Where raw evidence waits when the archive cannot take it: the machine's temp folder, by default. */
export const DEFAULT_SPOOL_ROOT = join(tmpdir(), 'aks-snat-spool');

/**
 * The archive, with a spool in front: a write the archive refuses (Blob down, throttled past its SDK's
 * retries) is kept on local disk instead of failing the step, so that the raw outputs of an incident are
 * not lost; `flush()` moves what was kept into the archive once it answers again. Reads and the
 * finding's own files go to the archive only (see archiveFinding).
 */
export class SpoolingArchive implements ArchivePort {
  private readonly spool: DirectoryArchive;

  constructor(
    private readonly archive: ArchivePort,
    /** This archive folder's own spool folder. */
    spoolFolder: string,
  ) {
    this.spool = new DirectoryArchive(spoolFolder);
  }

  get location(): string {
    return this.archive.location;
  }

  /** Where the kept files are, as a person would look for them. */
  get spoolLocation(): string {
    return `${hostname()}:${this.spool.location}`;
  }

  async write(path: string, content: string): Promise<void> {
    try {
      await this.archive.write(path, content);
    } catch {
      await this.spool.write(path, content);
    }
  }

  /**
   * A large file goes to the spool first (local disk keeps up with any exec stream), then from there
   * into the archive; the spool's copy goes once the archive has it all, and stays if it refused.
   */
  async writeChunks(path: string, chunks: AsyncIterable<Buffer>): Promise<void> {
    await this.spool.writeChunks(path, chunks);
    const kept = join(this.spool.location, path);
    try {
      await this.archive.writeChunks(path, createReadStream(kept));
    } catch {
      return;
    }
    await rm(kept);
  }

  read(path: string): Promise<string> {
    return this.archive.read(path);
  }

  /** The archive itself, without the spool: for what must be there or fail (finding, card). */
  get direct(): ArchivePort {
    return this.archive;
  }

  /** The paths kept in the spool, sorted. */
  async kept(): Promise<string[]> {
    const found: string[] = [];
    const walk = async (folder: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(folder, { withFileTypes: true });
      } catch {
        return; // no spool folder: nothing kept
      }
      for (const entry of entries) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) await walk(path);
        else found.push(relative(this.spool.location, path).split('\\').join('/'));
      }
    };
    await walk(this.spool.location);
    return found.sort();
  }

  /** Moves every kept file into the archive; throws (keeping the rest) when the archive still refuses. */
  async flush(): Promise<number> {
    const kept = await this.kept();
    for (const path of kept) {
      // Streamed: a kept trace can be larger than a string can hold.
      await this.archive.writeChunks(path, createReadStream(join(this.spool.location, path)));
      await rm(join(this.spool.location, path));
    }
    await rm(this.spool.location, { recursive: true, force: true });
    return kept.length;
  }
}

/** The spool folder of an archive folder under a spool root. */
export function spoolFolderOf(root: string, folder: string): string {
  return join(root, ...folder.split('/'));
}
