// POST /v1/packages/validate: raw tar or zip in, the report out (200 valid, 422 invalid), and the precise 4xx otherwise.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedPath } from '../../helpers/sharedData.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../../helpers/testApp.ts';
import { BACKENDS } from '../../helpers/testDatabase.ts';
import { rawZip, tarFolder, zipFolder } from './archives.ts';

const LIMIT = 256 * 1024;

describe.each(BACKENDS)('POST /v1/packages/validate (%s)', (backend) => {
  let t: TestApp;
  let agency: TestAgency;
  let work: string;
  const post = (body: Buffer, type: string, query = '') =>
    t.request().post(`/v1/packages/validate${query}`).set(bearer(agency.token)).set('Content-Type', type).send(body);
  const tempEntries = async () => (await readdir(tmpdir())).filter((n) => n.startsWith('legajo-paquete-'));

  beforeAll(async () => {
    t = await startTestApp(backend, { documents: { maxUploadBytes: LIMIT, maxPdfPages: 100 } });
    agency = await t.agency('PAQ');
    work = await mkdtemp(join(tmpdir(), 'legajo-api-pkg-'));
  });
  afterAll(async () => {
    await t.close();
    await rm(work, { recursive: true, force: true });
  });

  it('answers 200 with the report for a valid bag sent as a tar, and 422 naming the rule for an invalid one', async () => {
    const ok = await post(await readFile(tarFolder(sharedPath('samples/bagit-conformance-v1.0/valid/basicBag'), join(work, 'ok.tar'))), 'application/x-tar');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ valid: true, kind: 'bagit', strict: true, checked: { files: 3 } });
    const bad = await post(await readFile(tarFolder(sharedPath('samples/bagit-conformance-v1.0/invalid/notAllManifestsListAllFiles'), join(work, 'bad.tar'))), 'application/x-tar');
    expect(bad.status).toBe(422);
    expect(bad.body.findings).toEqual([expect.objectContaining({ level: 'error', rule: 'BAGIT-COMPLETENESS', path: 'data/missingFromManifest.txt' })]);
  });

  it('validates the E-ARK samples sent as a zip: valid with ?strict=false, CSIP1 for the negative case', async () => {
    const valid = await post(await readFile(await zipFolder(sharedPath('samples/eark-csip-valid/minimal_IP_with_1_representation'), join(work, 'csip.zip'))), 'application/zip', '?strict=false');
    expect(valid.status).toBe(200);
    expect(valid.body).toMatchObject({ valid: true, kind: 'e-ark', strict: false });
    const strict = await post(await readFile(join(work, 'csip.zip')), 'application/zip');
    expect(strict.status).toBe(422);
    const invalid = await post(await readFile(await zipFolder(sharedPath('samples/eark-csip-invalid/mets-xml_mets_OBJID_attribute_not_exist'), join(work, 'inv.zip'))), 'application/zip', '?strict=false');
    expect(invalid.status).toBe(422);
    expect(invalid.body.findings.filter((f: { level: string }) => f.level === 'error').map((f: { rule: string }) => f.rule)).toEqual(['CSIP1']);
  }, 60_000);

  it('answers 422 with SAFE-PATH for a traversal name and leaves no temporary folder behind', async () => {
    const res = await post(rawZip([{ name: '../../etc/cron.d/x', data: Buffer.from('* * * * * root true') }]), 'application/zip');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ valid: false, kind: null, findings: [expect.objectContaining({ rule: 'SAFE-PATH' })] });
    expect(await tempEntries()).toEqual([]);
  });

  it('refuses a wrong content type (415), an empty body (422), an oversized one (413) and anonymous callers (401)', async () => {
    const wrongType = await post(Buffer.from('{}'), 'application/json');
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers['content-type']).toMatch(/problem\+json/);
    expect((await post(Buffer.alloc(0), 'application/x-tar')).status).toBe(422);
    const big = await post(Buffer.alloc(LIMIT + 1), 'application/x-tar');
    expect(big.status).toBe(413);
    expect((await t.request().post('/v1/packages/validate').set('Content-Type', 'application/x-tar').send(Buffer.alloc(10))).status).toBe(401);
    expect(await tempEntries()).toEqual([]);
  });

  it('is documented in /openapi.json with both media types and the report schema', async () => {
    const doc = (await t.request().get('/openapi.json')).body;
    const op = doc.paths['/v1/packages/validate'].post;
    expect(Object.keys(op.requestBody.content)).toEqual(expect.arrayContaining(['application/x-tar', 'application/zip']));
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '422', '413', '415']));
  });

  it('refuses a bad strict value naming the parameter', async () => {
    const res = await post(Buffer.alloc(10), 'application/x-tar', '?strict=quizas');
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body.errors)).toContain('strict');
  });
});
