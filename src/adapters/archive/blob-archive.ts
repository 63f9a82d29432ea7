import type { TokenCredential } from '@azure/core-auth';
import { Readable } from 'node:stream';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { ArchivePort } from '../../workflow/ports';

export type BlobArchiveOptions =
  | { readonly connectionString: string; readonly container: string }
  | { readonly accountUrl: string; readonly credential: TokenCredential; readonly container: string };

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  json: 'application/json',
  html: 'text/html; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
};

/** A relative path of plain segments: the workflow's file names, partly from pod names, checked again. */
function checkedPath(path: string): string {
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || !/^[\w.:-]+$/.test(p))) {
    throw new RangeError(`archive path leaves the archive or is not plain: ${path}`);
  }
  return path;
}

/**
 * The archive in Blob storage (DESIGN.md section 4): `<container>/<cluster>/<node>/<stamp>-<id>/...`. The
 * container is made private on first use; the identity (managed identity in Azure) needs Storage Blob Data
 * Contributor on the account, and a connection string is for Azurite and local runs only.
 */
export class BlobArchives {
  private readonly container: ContainerClient;
  private ready: Promise<void> | null = null;

  constructor(options: BlobArchiveOptions) {
    const service =
      'connectionString' in options
        ? BlobServiceClient.fromConnectionString(options.connectionString)
        : new BlobServiceClient(options.accountUrl, options.credential);
    this.container = service.getContainerClient(options.container);
  }

  /** The archive folder of one investigation. */
  folder(folder: string): ArchivePort {
    const prefix = checkedPath(folder);
    return {
      location: `${this.container.url}/${prefix}/`,
      write: async (path, content) => {
        await this.ensureContainer();
        const name = `${prefix}/${checkedPath(path)}`;
        const body = Buffer.from(content, 'utf8');
        const extension = /\.(\w+)$/.exec(path)?.[1] ?? '';
        await this.container.getBlockBlobClient(name).uploadData(body, {
          blobHTTPHeaders: { blobContentType: CONTENT_TYPES[extension] ?? 'application/octet-stream' },
        });
      },
      writeChunks: async (path, chunks) => {
        await this.ensureContainer();
        const name = `${prefix}/${checkedPath(path)}`;
        const extension = /\.(\w+)$/.exec(path)?.[1] ?? '';
        // Staged blocks of 8 MiB, two in flight: memory stays at a few blocks whatever the file's size.
        await this.container
          .getBlockBlobClient(name)
          .uploadStream(Readable.from(chunks), 8 * 1024 * 1024, 2, {
            blobHTTPHeaders: { blobContentType: CONTENT_TYPES[extension] ?? 'application/octet-stream' },
          });
      },
      read: async (path) => {
        const blob = this.container.getBlockBlobClient(`${prefix}/${checkedPath(path)}`);
        return (await blob.downloadToBuffer()).toString('utf8');
      },
    };
  }

  private ensureContainer(): Promise<void> {
    // No access option: the container and its blobs are private.
    this.ready ??= this.container.createIfNotExists().then(
      () => undefined,
      (error: unknown) => {
        this.ready = null;
        throw error;
      },
    );
    return this.ready;
  }
}
