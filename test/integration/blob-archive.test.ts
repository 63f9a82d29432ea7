import { BlobServiceClient } from '@azure/storage-blob';
import { BlobArchives } from '../../src/adapters/archive/blob-archive';
import { startAzurite, type Azurite } from '../helpers/azurite';

let azurite: Azurite;

beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

describe('the Blob archive, against Azurite', () => {
  it('writes the layout of DESIGN.md section 4 into a private container, with content types', async () => {
    const archives = new BlobArchives({
      connectionString: azurite.connectionString,
      container: 'snat-findings',
    });
    const folder = 'aks-demo/aks-nodepool1-12345678-vmss000000/20261122T101500Z-snat-0123456789abcdef0123';
    const archive = archives.folder(folder);
    expect(archive.location).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/snat-findings\/aks-demo\/aks-nodepool1-12345678-vmss000000\/20261122T101500Z-snat-0123456789abcdef0123\/$/,
    );
    await Promise.all([
      archive.write('trace.log', 'TIME(s)  T  PID\n'),
      archive.write('sockets/shop__checkout-5d8f7.txt', '  sl  local_address\n'),
      archive.write('correlation/lsns.json', '{"namespaces":[]}'),
      archive.write('finding.json', '{"schemaVersion":1}'),
      archive.write('report.html', '<!doctype html>'),
      archive.write('card.json', '{"type":"AdaptiveCard"}'),
    ]);

    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      'snat-findings',
    );
    const blobs: [string, string | undefined][] = [];
    for await (const blob of container.listBlobsFlat()) blobs.push([blob.name, blob.properties.contentType]);
    expect(blobs).toEqual([
      [`${folder}/card.json`, 'application/json'],
      [`${folder}/correlation/lsns.json`, 'application/json'],
      [`${folder}/finding.json`, 'application/json'],
      [`${folder}/report.html`, 'text/html; charset=utf-8'],
      [`${folder}/sockets/shop__checkout-5d8f7.txt`, 'text/plain; charset=utf-8'],
      [`${folder}/trace.log`, 'text/plain; charset=utf-8'],
    ]);
    expect((await container.getBlockBlobClient(`${folder}/trace.log`).downloadToBuffer()).toString()).toBe(
      'TIME(s)  T  PID\n',
    );
    expect((await container.getAccessPolicy()).blobPublicAccess).toBeUndefined();
  });

  it('refuses a path that would leave the investigation folder', async () => {
    const archive = new BlobArchives({
      connectionString: azurite.connectionString,
      container: 'snat-findings',
    }).folder('aks-demo/n/x');
    await expect(archive.write('../../other/finding.json', '{}')).rejects.toThrow(
      'archive path leaves the archive or is not plain: ../../other/finding.json',
    );
    expect(() =>
      new BlobArchives({ connectionString: azurite.connectionString, container: 'c' }).folder('../x'),
    ).toThrow(RangeError);
  });
});
