import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryArchive } from '../../src/adapters/archive/directory-archive';

describe('DirectoryArchive', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'archive-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes nested paths under its folder', async () => {
    const archive = new DirectoryArchive(root);
    await archive.write('sockets/shop__checkout-5d8f7.txt', 'tcp ...\n');
    expect(readFileSync(join(root, 'sockets', 'shop__checkout-5d8f7.txt'), 'utf8')).toBe('tcp ...\n');
    expect(archive.location).toBe(root);
  });

  it.each(['../escape.txt', '/etc/passwd', 'a/../../b'])('refuses %s', async (path) => {
    await expect(new DirectoryArchive(root).write(path, 'x')).rejects.toThrow(
      `archive path leaves the archive: ${path}`,
    );
  });
});
