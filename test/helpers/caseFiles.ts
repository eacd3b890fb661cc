import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Response } from 'superagent';
import { validMetadata } from './documentMetadata.ts';
import { makePdf } from './pdfs.ts';
import { bearer, type TestApp } from './testApp.ts';

export const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Case-file metadata a records office would send, keyed by MGDEE code; overrides replace fields. */
export function validCaseFileMetadata(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    MGDEE1_5: 'Solicitud de subsidio habitacional de Ñuñoa',
    MGDEE2_2: 'Postulación al subsidio DS 49',
    MGDEE52: [
      { relation: 1, actorType: 4, id: '12.345.678-5', name: 'Juana Pérez Soto' },
      { relation: 2, actorType: 1, id: '11.111.111-1', name: 'Pedro Interesado' },
    ],
    MGDEE6_1: 1,
    MGDEE6_4: 2,
    MGDEE7_1: 'CPAT-4521',
    MGDEE7_2: 'Subsidio habitacional',
    ...overrides,
  };
}

/** Drives the case-file API for one agency's key. */
export function caseFileClient(t: TestApp, token: string) {
  const auth = bearer(token);
  return {
    async fileDocument(pages: number, text = 'Documento', metadata: Record<string, unknown> = validMetadata()) {
      const pdf = await makePdf(pages, text);
      const res = await t.request().post('/v1/documents').set(auth).field('metadata', JSON.stringify(metadata)).attach('file', pdf, 'doc.pdf');
      expect(res.status, res.text).toBe(201);
      return { id: res.body.document.id as string, identifier: res.body.document.identifier as string, sha256: sha(pdf), pdf };
    },
    async open(overrides: Record<string, unknown> = {}) {
      const res = await t.request().post('/v1/case-files').set(auth).send(validCaseFileMetadata(overrides));
      expect(res.status, res.text).toBe(201);
      return res.body.caseFile.iuie as string;
    },
    add: (iuie: string, body: unknown) => t.request().post(`/v1/case-files/${iuie}/entries`).set(auth).send(body as object),
    close: (iuie: string) => t.request().post(`/v1/case-files/${iuie}/close`).set(auth),
    reopen: (iuie: string, reason = 'nuevos antecedentes') => t.request().post(`/v1/case-files/${iuie}/reopen`).set(auth).send({ reason }),
    get: (iuie: string) => t.request().get(`/v1/case-files/${iuie}`).set(auth),
    verify: (iuie: string) => t.request().get(`/v1/case-files/${iuie}/verify`).set(auth),
    indexXml: (iuie: string, version?: number) =>
      t
        .request()
        .get(`/v1/case-files/${iuie}/index.xml${version ? `?version=${version}` : ''}`)
        .set(auth)
        .buffer(true)
        .parse(binary),
    exportPackage: (iuie: string) => t.request().get(`/v1/case-files/${iuie}/export`).set(auth).buffer(true).parse(binary),
    importPackage: (pkg: Buffer, type = 'application/x-tar') => t.request().post('/v1/case-files/import').set(auth).set('Content-Type', type).send(pkg),
  };
}

/** supertest parser that keeps binary bodies as Buffers. */
export function binary(res: Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}
