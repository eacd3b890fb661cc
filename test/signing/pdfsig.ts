import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';

export interface PdfsigSignature {
  fieldName: string;
  commonName: string;
  subFilter: string;
  ranges: string;
  /** "Total document signed" rather than "Not total document signed". */
  totalDocumentSigned: boolean;
  /** e.g. "Signature is Valid.", "Digest Mismatch.". */
  signatureValidation: string;
  /** e.g. "Certificate is Trusted.", "Certificate issuer isn't Trusted.". */
  certificateValidation: string;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'legajo-pdfsig-'));
let counter = 0;

/**
 * Runs poppler's pdfsig and parses its report. pdfsig exits 0 even when a digest does not match, so callers must
 * read the per-signature lines, never the exit code alone.
 */
export function runPdfsig(pdf: Buffer, nssDir: string | null): PdfsigSignature[] {
  const file = path.join(scratch, `doc-${++counter}.pdf`);
  writeFileSync(file, pdf);
  // -no-ocsp is not used: poppler 22.12 then reports every certificate as "Unknown issue"; our certificates carry
  // no OCSP address, so no request leaves the machine anyway.
  const result = spawnSync('pdfsig', [...(nssDir ? ['-nssdir', `sql:${nssDir}`] : []), file], { encoding: 'utf8' });
  if (result.status === 2 && /does not contain any signatures/.test(result.stdout + result.stderr)) return [];
  if (result.status !== 0) throw new Error(`pdfsig falló (${result.status}): ${result.stderr}`);
  return result.stdout
    .split(/^Signature #\d+:$/m)
    .slice(1)
    .map((block) => {
      const field = (label: string) => new RegExp(`^\\s*- ${label}: (.*)$`, 'm').exec(block)?.[1]?.trim() ?? '';
      return {
        fieldName: field('Signature Field Name'),
        commonName: field('Signer Certificate Common Name'),
        subFilter: field('Signature Type'),
        ranges: field('Signed Ranges'),
        totalDocumentSigned: /^\s*- Total document signed$/m.test(block),
        signatureValidation: field('Signature Validation'),
        certificateValidation: field('Certificate Validation'),
      };
    });
}

/**
 * An NSS database trusting the given roots, so pdfsig can validate chains ending in our test CAs. Needs certutil
 * (Debian libnss3-tools); without it pdfsig falls back to the system store, where those roots are unknown.
 */
export function nssDatabaseTrusting(rootsPem: string[]): string | null {
  if (spawnSync('sh', ['-c', 'command -v certutil']).status !== 0) return null;
  const dir = mkdtempSync(path.join(scratch, 'nss-'));
  const run = (args: string[]) => {
    const result = spawnSync('certutil', args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`certutil ${args.join(' ')}: ${result.stderr}`);
  };
  run(['-N', '-d', `sql:${dir}`, '--empty-password']);
  rootsPem.forEach((pem, i) => {
    const file = path.join(dir, `root-${i}.pem`);
    writeFileSync(file, pem);
    // C,C,C: trusted to issue certificates for TLS, e-mail and object signing (poppler validates as e-mail signer).
    run(['-A', '-d', `sql:${dir}`, '-n', `legajo-test-root-${i}`, '-t', 'C,C,C', '-i', file]);
  });
  return dir;
}

/**
 * A signature pdfsig accepts: the CMS verifies over its byte ranges. With our roots in an NSS database the
 * certificate must be trusted too; without one, the only certificate verdict accepted is the issuer not being
 * trusted (our validator checks those chains against the same roots).
 */
export function expectAcceptedByPdfsig(signature: PdfsigSignature | undefined, nssDir: string | null): void {
  expect(signature?.signatureValidation).toBe('Signature is Valid.');
  if (nssDir) expect(signature?.certificateValidation).toBe('Certificate is Trusted.');
  else expect(["Certificate is Trusted.", "Certificate issuer isn't Trusted.", 'Certificate issuer is unknown.']).toContain(signature?.certificateValidation);
}
