import type { ArchivePort } from '../../src/workflow/ports';

/** Archives in memory, by folder: a test reads back what the workflow archived. */
export class MemoryArchives {
  /** `<folder>/<path>` -> content. */
  readonly files = new Map<string, string>();

  folder(folder: string): ArchivePort {
    return {
      location: `memory://archive/${folder}/`,
      write: (path, content) => {
        this.files.set(`${folder}/${path}`, content);
        return Promise.resolve();
      },
      writeChunks: async (path, chunks) => {
        const parts: Buffer[] = [];
        for await (const chunk of chunks) parts.push(chunk);
        this.files.set(`${folder}/${path}`, Buffer.concat(parts).toString('utf8'));
      },
      read: (path) => {
        const content = this.files.get(`${folder}/${path}`);
        return content === undefined
          ? Promise.reject(new Error(`no ${folder}/${path} in the archive`))
          : Promise.resolve(content);
      },
    };
  }

  /** The paths written under one folder, sorted. */
  paths(folder: string): string[] {
    return [...this.files.keys()]
      .filter((key) => key.startsWith(`${folder}/`))
      .map((key) => key.slice(folder.length + 1))
      .sort();
  }
}
