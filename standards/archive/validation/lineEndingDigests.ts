import { createHash, type Hash } from 'node:crypto';

const CR = 0x0d;
const LF = 0x0a;

/**
 * Digests of a text as if its line endings had been converted (LF→CRLF and CRLF→LF), fed chunk by chunk. A METS
 * checksum that matches one of these means the file was re-encoded after packaging (git's autocrlf does this to
 * the DILCIS corpus): the words are intact but the bytes are not the ones the package declared.
 */
export class LineEndingDigests {
  private readonly crlf: Hash;
  private readonly lf: Hash;
  private crlfSize = 0;
  private lfSize = 0;
  private previous = -1;
  private pendingCr = false;

  constructor(algorithm: string) {
    this.crlf = createHash(algorithm);
    this.lf = createHash(algorithm);
  }

  update(chunk: Buffer): void {
    const crlf: number[] = [];
    const lf: number[] = [];
    for (const byte of chunk) {
      if (byte === LF && this.previous !== CR) crlf.push(CR);
      crlf.push(byte);
      if (this.pendingCr) {
        this.pendingCr = false;
        if (byte !== LF) lf.push(CR);
      }
      if (byte === CR) this.pendingCr = true;
      else lf.push(byte);
      this.previous = byte;
    }
    this.crlf.update(Buffer.from(crlf));
    this.lf.update(Buffer.from(lf));
    this.crlfSize += crlf.length;
    this.lfSize += lf.length;
  }

  digest(): Array<{ hex: string; size: number; convertedTo: 'CRLF' | 'LF' }> {
    if (this.pendingCr) {
      this.lf.update(Buffer.from([CR]));
      this.lfSize += 1;
    }
    return [
      { hex: this.crlf.digest('hex'), size: this.crlfSize, convertedTo: 'CRLF' },
      { hex: this.lf.digest('hex'), size: this.lfSize, convertedTo: 'LF' },
    ];
  }
}
