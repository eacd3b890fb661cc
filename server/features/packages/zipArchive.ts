import { Transform, type Readable, type TransformCallback } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { finding } from '../../../standards/archive/validation/PackageReport.ts';
import { EntryCollector } from './EntryCollector.ts';
import { ArchiveReadError, type ArchiveEntry, type ArchiveLimits, type OpenedArchive } from './PackageArchive.ts';

const MiB = 1024 * 1024;
const UNIX = 3;
const FILE_TYPE = 0o170000;
const SPECIAL: Record<number, string> = { 0o120000: 'enlace simbólico', 0o020000: 'dispositivo de caracteres', 0o060000: 'dispositivo de bloques', 0o010000: 'FIFO', 0o140000: 'socket' };

/** Counts inflated bytes and fails past the declared size, whatever the zip library checks on its own. */
class InflateBound extends Transform {
  private seen = 0;
  constructor(
    private readonly entry: ArchiveEntry,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
    this.seen += chunk.length;
    if (this.seen > this.entry.size) return done(new ArchiveReadError('SAFE-LIMIT', this.entry.path, `al descomprimir da más bytes que los ${this.entry.size} declarados (bomba zip)`));
    done(null, chunk);
  }
  override _flush(done: TransformCallback) {
    if (this.seen !== this.entry.size) return done(new ArchiveReadError('SAFE-CONTAINER', this.entry.path, `al descomprimir da ${this.seen} bytes; declara ${this.entry.size}`));
    done();
  }
}

/** yauzl's own size check fires before InflateBound sees the bytes; an entry inflating past its size is still a bomb. */
function zipStreamError(entry: ArchiveEntry, err: Error): ArchiveReadError {
  if (err instanceof ArchiveReadError) return err;
  if (/too many bytes/.test(err.message)) return new ArchiveReadError('SAFE-LIMIT', entry.path, `al descomprimir da más bytes que los ${entry.size} declarados (bomba zip)`);
  return new ArchiveReadError('SAFE-CONTAINER', entry.path, `entrada dañada: ${err.message}`);
}

const openZip = (file: string) =>
  new Promise<ZipFile>((resolve, reject) =>
    // Names are decoded and checked here (decodeStrings off): yauzl would abort the whole listing on the first bad name, or turn "\" into "/".
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );

/**
 * Lists a zip from its central directory and inflates each entry on demand. Refused before reading: encrypted
 * entries, unknown compression, links and devices (Unix mode bits), too many entries, declared sizes over the
 * limits and compression ratios past maxRatio. While inflating, the real byte count is held to the declared size.
 */
export async function openZipArchive(file: string, limits: ArchiveLimits): Promise<OpenedArchive> {
  let zip: ZipFile;
  try {
    zip = await openZip(file);
  } catch (err) {
    return { archive: null, findings: [finding('error', 'SAFE-CONTAINER', '', `no es un zip legible: ${(err as Error).message}`)] };
  }
  const collector = new EntryCollector(limits);
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    return { archive: null, findings: [finding('error', 'SAFE-LIMIT', '', `el zip declara ${zip.entryCount} entradas; el máximo es ${limits.maxEntries}`)] };
  }
  const entries = new Map<ArchiveEntry, Entry>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: Entry) => {
        const raw = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileName as unknown as Buffer, entry.extraFields, true);
        const mode = (entry.externalFileAttributes >>> 16) & FILE_TYPE;
        if (entry.versionMadeBy >> 8 === UNIX && SPECIAL[mode]) collector.refuse(raw, SPECIAL[mode]);
        else if (raw.endsWith('/')) collector.directory(raw);
        else if (entry.isEncrypted()) collector.findings.push(finding('error', 'SAFE-CONTAINER', raw, 'entrada cifrada: no se puede verificar'));
        else if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) collector.findings.push(finding('error', 'SAFE-CONTAINER', raw, `método de compresión ${entry.compressionMethod} no admitido (solo stored y deflate)`));
        else if (entry.uncompressedSize > MiB && entry.uncompressedSize / Math.max(entry.compressedSize, 1) > limits.maxRatio) {
          collector.findings.push(finding('error', 'SAFE-LIMIT', raw, `razón de compresión ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))}:1 sobre el máximo ${limits.maxRatio}:1 (bomba zip)`));
        } else {
          const admitted = collector.file(raw, entry.uncompressedSize);
          if (admitted) entries.set(admitted, entry);
        }
        if (collector.stopped) resolve();
        else zip.readEntry();
      });
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    return { archive: null, findings: [...collector.findings, finding('error', 'SAFE-CONTAINER', '', `zip dañado: ${(err as Error).message}`)] };
  }
  return {
    findings: collector.finish(),
    archive: {
      files: collector.files,
      directories: collector.directories,
      open: (entry) =>
        new Promise<Readable>((resolve, reject) =>
          zip.openReadStream(entries.get(entry)!, (err, stream) => {
            if (err) return reject(new ArchiveReadError('SAFE-CONTAINER', entry.path, `no se puede leer la entrada: ${err.message}`));
            const bound = new InflateBound(entry);
            stream.on('error', (e) => bound.destroy(zipStreamError(entry, e)));
            resolve(stream.pipe(bound));
          }),
        ),
      async close() {
        zip.close();
      },
    },
  };
}
