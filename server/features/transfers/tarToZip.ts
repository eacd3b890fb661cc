import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import yazl from 'yazl';

/**
 * Re-packs a stored tar as a zip while both stream (CSIPSTR3 allows either container): each tar member is handed
 * to the zip as it is read, stored without compression (PDFs and XML signatures gain little and it keeps the
 * bytes as they are), so memory stays bounded whatever the package size.
 */
export function tarToZip(tarBody: Readable): Readable {
  const zip = new yazl.ZipFile();
  const extract = tar.extract();
  (async () => {
    const feeding = pipeline(tarBody, extract as unknown as NodeJS.WritableStream);
    for await (const entry of extract as AsyncIterable<Readable & { header: tar.Header }>) {
      const body = new PassThrough();
      zip.addReadStream(body, entry.header.name, { mtime: entry.header.mtime ?? new Date(), mode: 0o100644, compress: false, size: entry.header.size });
      await pipeline(entry, body);
    }
    await feeding;
    zip.end();
  })().catch((err: unknown) => (zip.outputStream as Readable).destroy(err as Error));
  return zip.outputStream as Readable;
}
