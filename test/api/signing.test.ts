import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startFirmaGobStandIn, type FirmaGobStandIn } from '../helpers/firmaGobStandIn.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { makePdf, PNG_1x1 } from '../helpers/pdfs.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { nssDatabaseTrusting, runPdfsig } from '../signing/pdfsig.ts';

const DEV_ROOT = path.join(os.tmpdir(), 'legajo-test-pki', 'dev-root-ca.pem');

describe('firma, visado y certificados de presentación por la API', () => {
  let t: TestApp;
  let a: TestAgency;
  let standIn: FirmaGobStandIn;
  let nss: string | null;
  let signer: string;
  let reviewer: string;

  const file = async (bytes: Buffer) => {
    const res = await t.request().post('/v1/documents').set(bearer(a.token)).field('metadata', JSON.stringify(validMetadata())).attach('file', bytes, 'doc.pdf');
    expect(res.status, res.text).toBe(201);
    return res.body.document.id as string;
  };
  const content = async (url: string) => {
    const res = await t.request().get(url).set(bearer(a.token)).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    return res.body as Buffer;
  };

  beforeAll(async () => {
    standIn = await startFirmaGobStandIn();
    const anchors = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-anchors-'));
    await fs.writeFile(path.join(anchors, 'firmagob-test.pem'), standIn.rootCertificatePem);
    t = await startTestApp('pglite', {
      signing: {
        trustAnchorFiles: [path.join(anchors, 'firmagob-test.pem')],
        firmaGob: { url: standIn.url, apiTokenKey: standIn.apiTokenKey, secret: standIn.secret, entity: 'Agencia de prueba' },
      },
    });
    a = await t.agency('FIR001');
    signer = (await a.keyWithRoles(['signer'])).token;
    reviewer = (await a.keyWithRoles(['reviewer'])).token;
    nss = nssDatabaseTrusting([await fs.readFile(DEV_ROOT, 'utf8'), standIn.rootCertificatePem]);
  });
  afterAll(async () => {
    await t.close();
    await standIn.close();
  });

  itWithReferee('pdfsig', 'initial, sign, re-sign: every signature stays valid in pdfsig and in the stored report', async () => {
    const id = await file(await makePdf(2, 'Resolución para firma'));
    const visado = await t.request().post(`/v1/documents/${id}/versions/1/initial`).set(bearer(reviewer)).send({ initials: 'JPS' });
    expect(visado.status, visado.text).toBe(201);
    expect(visado.body.version).toMatchObject({ number: 2, status: 'draft', origin: 'initials', derivedFrom: 1 });

    const signed = await t.request().post(`/v1/documents/${id}/versions/2/sign`).set(bearer(signer)).send({ reason: 'Aprobación', signerPost: 'Jefa de servicio', visibleStamp: true });
    expect(signed.status, signed.text).toBe(201);
    expect(signed.body).toMatchObject({ number: 3, status: 'final', origin: 'signature', derivedFrom: 2 });
    const once = runPdfsig(await content(`/v1/documents/${id}/versions/3/content`), nss);
    expect(once).toHaveLength(1);
    expect(once[0]!.signatureValidation).toBe('Signature is Valid.');
    expect(once[0]!.totalDocumentSigned).toBe(true);

    const twice = await t.request().post(`/v1/documents/${id}/versions/3/sign`).set(bearer(signer)).send({ reason: 'Segunda firma', signerPost: 'Subrogante' });
    expect(twice.status, twice.text).toBe(201);
    const both = runPdfsig(await content(`/v1/documents/${id}/versions/4/content`), nss);
    expect(both.map((s) => s.signatureValidation)).toEqual(['Signature is Valid.', 'Signature is Valid.']);
    expect(both.map((s) => s.totalDocumentSigned)).toEqual([false, true]);

    const report = await t.request().get(`/v1/documents/${id}/versions/4/signatures`).set(bearer(a.token));
    expect(report.body.items.map((s: { valid: boolean }) => s.valid)).toEqual([true, true]);
    expect(report.body.items.map((s: { coversWholeDocument: boolean }) => s.coversWholeDocument)).toEqual([false, true]);

    // A final version cannot be initialled, and initials are recorded with who gave them.
    expect((await t.request().post(`/v1/documents/${id}/versions/4/initial`).set(bearer(reviewer)).send({ initials: 'JPS' })).status).toBe(409);
    const audit = await t.db.knex('audit_events').where({ target_id: id }).pluck('action');
    expect(audit).toEqual(expect.arrayContaining(['document.version.initial', 'document.version.sign']));
  });

  itWithReferee('pdfsig', 'signs through FirmaGob (hash flow against the stand-in) as the official with a RUN', async () => {
    const official = await t.services.principals.create(
      { agencyId: a.id, agencyCode: a.code, principalId: a.adminId, roles: ['admin'], requestId: null },
      { kind: 'person', name: 'Juana Pérez', run: '22222222-2', roles: ['signer'] },
    );
    const key = await t.services.apiKeys.create({ agencyId: a.id, agencyCode: a.code, principalId: a.adminId, roles: ['admin'], requestId: null }, { principalId: official.id, kind: 'live', label: 'firma' });
    const id = await file(await makePdf(1, 'Oficio FirmaGob'));
    const res = await t.request().post(`/v1/documents/${id}/versions/1/sign`).set(bearer(key.token)).send({ signer: 'firmagob', reason: 'Firma', signerPost: 'Jefa', otp: standIn.otp });
    expect(res.status, res.text).toBe(201);
    const sigs = runPdfsig(await content(`/v1/documents/${id}/versions/2/content`), nss);
    expect(sigs[0]!.signatureValidation).toBe('Signature is Valid.');
    const report = await t.request().get(`/v1/documents/${id}/versions/2/signatures`).set(bearer(a.token));
    expect(report.body.items[0]).toMatchObject({ valid: true, signerRun: '22222222-2' });
    // The seal key cannot sign as FirmaGob: it has no RUN.
    const seal = await t.request().post(`/v1/documents/${id}/versions/1/sign`).set(bearer(signer)).send({ signer: 'firmagob', reason: 'x', signerPost: 'y' });
    expect(seal.status).toBe(403);
    // A wrong OTP is the signer's refusal, with a reason; nothing new is stored.
    const wrong = await t.request().post(`/v1/documents/${id}/versions/1/sign`).set(bearer(key.token)).send({ signer: 'firmagob', reason: 'x', signerPost: 'y', otp: '000000' });
    expect(wrong.status).toBe(422);
    expect((await t.request().get(`/v1/documents/${id}/versions`).set(bearer(a.token))).body.items).toHaveLength(2);
  });

  itWithReferee('pdfsig', 'every filing gets a sealed receipt that pdfsig validates', async () => {
    const id = await file(await makePdf(1, 'con certificado'));
    const receipt = await content(`/v1/documents/${id}/versions/1/receipt`);
    const sigs = runPdfsig(receipt, nss);
    expect(sigs).toHaveLength(1);
    expect(sigs[0]!.signatureValidation).toBe('Signature is Valid.');
    expect(sigs[0]!.totalDocumentSigned).toBe(true);
  });

  itWithReferee('pdfsig', 'validates signatures of PDFs that enter signed, and keeps their bytes exact', async () => {
    const id = await file(await makePdf(1, 'firmado afuera'));
    await t.request().post(`/v1/documents/${id}/versions/1/sign`).set(bearer(signer)).send({ reason: 'x', signerPost: 'y' }).expect(201);
    const signedBytes = await content(`/v1/documents/${id}/versions/2/content`);
    const again = await file(signedBytes);
    const stored = await content(`/v1/documents/${again}/versions/1/content`);
    expect(Buffer.compare(stored, signedBytes)).toBe(0);
    const ok = await t.request().get(`/v1/documents/${again}/versions/1/signatures`).set(bearer(a.token));
    expect(ok.body.items).toMatchObject([{ valid: true, coversWholeDocument: true }]);

    const tampered = Buffer.from(signedBytes);
    // Inside the first signed range (the header comment line), so only the digest can notice.
    expect(tampered.subarray(0, 5).toString()).toBe('%PDF-');
    tampered[7] = tampered[7] === 0x37 ? 0x36 : 0x37;
    const bad = await file(tampered);
    const report = await t.request().get(`/v1/documents/${bad}/versions/1/signatures`).set(bearer(a.token));
    expect(report.body.items[0].valid).toBe(false);
    expect(runPdfsig(tampered, nss)[0]!.signatureValidation).not.toBe('Signature is Valid.');
  });

  itWithReferee('pdfsig', 'refuses what cannot be signed: non-PDF, wrong role, another agency', async () => {
    const png = await t.request().post('/v1/documents').set(bearer(a.token)).field('metadata', JSON.stringify(validMetadata())).attach('file', PNG_1x1, 'x.png');
    const res = await t.request().post(`/v1/documents/${png.body.document.id}/versions/1/sign`).set(bearer(signer)).send({ reason: 'x', signerPost: 'y' });
    expect(res.status).toBe(422);
    const id = await file(await makePdf(1, 'roles'));
    expect((await t.request().post(`/v1/documents/${id}/versions/1/sign`).set(bearer(reviewer)).send({ reason: 'x', signerPost: 'y' })).status).toBe(403);
    const other = await t.agency('FIR002');
    expect((await t.request().post(`/v1/documents/${id}/versions/1/sign`).set(bearer(other.token)).send({ reason: 'x', signerPost: 'y' })).status).toBe(404);
    expect((await t.request().post(`/v1/documents/${id}/versions/1/initial`).set(bearer(other.token)).send({ initials: 'AB' })).status).toBe(404);
    expect((await t.request().get(`/v1/documents/${id}/versions`).set(bearer(a.token))).body.items).toHaveLength(1);

    // A draft that arrived already signed cannot be initialled: stamping would rewrite it and break its signatures.
    await t.request().post(`/v1/documents/${id}/versions/1/sign`).set(bearer(signer)).send({ reason: 'x', signerPost: 'y' });
    const signedDraft = await file(await content(`/v1/documents/${id}/versions/2/content`));
    const refused = await t.request().post(`/v1/documents/${signedDraft}/versions/1/initial`).set(bearer(reviewer)).send({ initials: 'AB' });
    expect(refused.status).toBe(422);
    expect(refused.type).toBe('application/problem+json');
    expect(refused.body.detail).toMatch(/ya tiene firmas/);
    expect((await t.request().get(`/v1/documents/${signedDraft}/versions`).set(bearer(a.token))).body.items).toHaveLength(1);
  });
});
