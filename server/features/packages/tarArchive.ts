import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parsePaxRecords, parseTarHeader, TAR_BLOCK, TarFormatError } from '../../../standards/archive/validation/tarHeader.ts';
import { finding } from '../../../standards/archive/validation/PackageReport.ts';
import { EntryCollector } from './EntryCollector.ts';
import type { ArchiveEntry, ArchiveLimits, OpenedArchive } from './PackageArchive.ts';

/** Largest pax or GNU long-name header body read; real ones are a few hundred bytes. */
const MAX_META_HEADER = 1024 * 1024;
const LINK_TYPES: Record<string, string> = { '1': 'enlace duro', '2': 'enlace simbólico', '3': 'dispositivo de caracteres', '4': 'dispositivo de bloques', '6': 'FIFO' };

/**
 * Lists a tar by walking its headers with positioned reads (file bodies are skipped, not read), then serves each
 * file as a byte range of the tar. Pax and GNU long names are honoured; links, devices and unknown entry types
 * are refused.
 */
export async function openTarArchive(file: string, limits: ArchiveLimits): Promise<OpenedArchive> {
  const handle = await open(file, 'r');
  const collector = new EntryCollector(limits);
  const offsets = new Map<ArchiveEntry, number>();
  try {
    const { size: fileSize } = await handle.stat();
    const readAt = async (position: number, length: number) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, position);
      return bytesRead === length ? buf : null;
    };
    let pos = 0;
    let pax = new Map<string, string>();
    let longName: string | null = null;
    while (!collector.stopped) {
      const block = await readAt(pos, TAR_BLOCK);
      if (!block) {
        collector.findings.push(finding('error', 'SAFE-CONTAINER', '', 'el tar termina sin el bloque final: está truncado'));
        break;
      }
      const header = parseTarHeader(block);
      if (!header) break;
      const dataStart = pos + TAR_BLOCK;
      // Pax (x, g) and GNU long-name (L, K) headers describe the next entry; their own size is the header's.
      const meta = 'xgLK'.includes(header.type);
      const size = meta ? header.size : Number(pax.get('size') ?? header.size);
      const next = dataStart + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
      if (dataStart + size > fileSize) {
        collector.findings.push(finding('error', 'SAFE-CONTAINER', header.name, 'la entrada se corta antes de su tamaño declarado: el tar está truncado'));
        break;
      }
      pos = next;
      if (meta) {
        if (size > MAX_META_HEADER) throw new TarFormatError(`cabecera extendida de ${size} bytes`);
        const body = (await readAt(dataStart, size))!;
        if (header.type === 'x') pax = parsePaxRecords(body);
        else if (header.type === 'L') longName = body.toString('utf8').replace(/\0+$/, '');
        continue;
      }
      const name = pax.get('path') ?? longName ?? header.name;
      pax = new Map();
      longName = null;
      if (header.type === '0' || header.type === '7') {
        const entry = collector.file(name, size);
        if (entry) offsets.set(entry, dataStart);
      } else if (header.type === '5') collector.directory(name);
      else if (LINK_TYPES[header.type]) collector.refuse(name, `${LINK_TYPES[header.type]}${header.linkName ? ` hacia "${header.linkName}"` : ''}`);
      else collector.findings.push(finding('error', 'SAFE-CONTAINER', name, `tipo de entrada tar "${header.type}" no admitido`));
    }
  } catch (err) {
    await handle.close();
    if (!(err instanceof TarFormatError)) throw err;
    return { archive: null, findings: [...collector.findings, finding('error', 'SAFE-CONTAINER', '', err.message)] };
  }
  await handle.close();
  return {
    findings: collector.finish(),
    archive: {
      files: collector.files,
      directories: collector.directories,
      async open(entry) {
        const start = offsets.get(entry)!;
        return entry.size === 0 ? Readable.from([]) : createReadStream(file, { start, end: start + entry.size - 1 });
      },
      async close() {},
    },
  };
}
