import type { RangeSource } from '../content/RangeSource.ts';
import { PdfRejectedError } from './PdfRejectedError.ts';

const CHUNK = 64 * 1024;

/**
 * Reads a RangeSource in aligned 64 KiB chunks, keeping what it read (PDF structures are revisited: the xref, then
 * the objects near it) and refusing to read more than `budget` bytes in total. The budget is what bounds I/O and
 * memory for a hostile file whose structure sends the reader all over a large file.
 */
export class ChunkedReader {
  readonly size: number;
  private readonly chunks = new Map<number, Uint8Array>();
  private fetched = 0;

  constructor(
    private readonly src: RangeSource,
    private readonly budget: number,
  ) {
    this.size = src.size;
  }

  get bytesRead(): number {
    return this.fetched;
  }

  /** Bytes [start, end) clamped to the file. */
  async read(start: number, end: number): Promise<Uint8Array> {
    start = Math.max(0, Math.min(start, this.size));
    end = Math.max(start, Math.min(end, this.size));
    if (start === end) return new Uint8Array(0);
    const first = Math.floor(start / CHUNK);
    const last = Math.floor((end - 1) / CHUNK);
    for (let c = first; c <= last; c++) {
      if (this.chunks.has(c)) continue;
      let runEnd = c;
      while (runEnd < last && !this.chunks.has(runEnd + 1)) runEnd++;
      await this.fetch(c, runEnd);
      c = runEnd;
    }
    if (first === last) {
      const chunk = this.chunks.get(first)!;
      return chunk.subarray(start - first * CHUNK, end - first * CHUNK);
    }
    const out = new Uint8Array(end - start);
    for (let c = first; c <= last; c++) {
      const chunk = this.chunks.get(c)!;
      const from = Math.max(start, c * CHUNK);
      const to = Math.min(end, c * CHUNK + chunk.length);
      out.set(chunk.subarray(from - c * CHUNK, to - c * CHUNK), from - start);
    }
    return out;
  }

  private async fetch(firstChunk: number, lastChunk: number): Promise<void> {
    const start = firstChunk * CHUNK;
    const end = Math.min(this.size, (lastChunk + 1) * CHUNK);
    if (this.fetched + (end - start) > this.budget) {
      throw new PdfRejectedError(
        'corrupt',
        `Analizar la estructura del PDF exige leer más de ${formatSize(this.budget)}, lo que indica un archivo dañado o ` +
          'construido para agotar recursos. Vuelva a generarlo desde la aplicación de origen (o con «Imprimir como PDF») y envíelo de nuevo.',
      );
    }
    this.fetched += end - start;
    // Errors from the source are I/O, not the PDF's fault: they propagate unchanged.
    const bytes = await this.src.read(start, end);
    if (bytes.length !== end - start) throw new Error(`la fuente entregó ${bytes.length} bytes para el rango [${start}, ${end})`);
    for (let c = firstChunk; c <= lastChunk; c++) this.chunks.set(c, bytes.subarray((c - firstChunk) * CHUNK, Math.min(bytes.length, (c - firstChunk + 1) * CHUNK)));
  }
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.floor(bytes / (1024 * 1024))} MiB` : `${Math.floor(bytes / 1024)} KiB`;
}
