import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePackage } from '../../../server/features/packages/validatePackage.ts';
import type { Actor } from '../../../server/features/principals/Actor.ts';
import { transferBuildJob } from '../../../server/features/transfers/transferService.ts';
import { createLogger } from '../../../server/logger.ts';
import type { JobQueue } from '../../../server/queue/JobQueue.ts';
import { Queue } from '../../../server/queue/Queue.ts';
import { binary, caseFileClient } from '../../helpers/caseFiles.ts';
import { eventually } from '../../helpers/eventually.ts';
import { jobHandlers } from '../../helpers/jobHandlers.ts';
import { itWithReferee } from '../../helpers/referee.ts';
import { sharedPath } from '../../helpers/sharedData.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../../helpers/testApp.ts';
import { BACKENDS } from '../../helpers/testDatabase.ts';

const run = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};

/** Files under a folder, relative and sorted the way the manifests' paths sort. */
async function filesUnder(root: string, dir = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesUnder(root, rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe.each(BACKENDS)('transferencias al Archivo Nacional (%s)', (backend) => {
  const log = createLogger('silent');
  let t: TestApp;
  let queue: Queue;
  let agency: TestAgency;
  let other: TestAgency;
  let archivist: string;
  let actor: Actor;
  let client: ReturnType<typeof caseFileClient>;
  /** When false, transfers are registered without their job, so a test drives the build itself. */
  let autoBuild = true;
  const work: string[] = [];

  const signedDocument = async (text: string, pages = 1) => {
    const d = await client.fileDocument(pages, text);
    const signed = await t.request().post(`/v1/documents/${d.id}/versions/1/sign`).set(bearer(agency.token)).send({ reason: 'Aprobación', signerPost: 'Jefa de servicio', visibleStamp: true });
    expect(signed.status, signed.text).toBe(201);
    return { ...d, version: 2 as number };
  };

  /** A closed case file holding these signed PDFs (and, optionally, a closed case file nested in it). */
  const closedCaseFile = async (texts: string[], nested?: string) => {
    const iuie = await client.open();
    for (const text of texts) {
      const d = await signedDocument(text);
      expect((await client.add(iuie, { kind: 'document', documentId: d.id, version: d.version })).status).toBe(201);
    }
    if (nested) expect((await client.add(iuie, { kind: 'case-file', iuie: nested })).status).toBe(201);
    expect((await client.close(iuie)).status).toBe(200);
    return iuie;
  };

  const getTransfer = (id: string) => t.request().get(`/v1/transfers/${id}`).set(bearer(archivist));
  const transferCount = async () => Number((await t.db.knex('transfers').count<{ c: string }>('* as c').first())!.c);

  beforeAll(async () => {
    const jobs: JobQueue = { enqueue: (db, name, data, opts) => (autoBuild ? queue.enqueue(db, name, data, opts) : Promise.resolve(null)) };
    t = await startTestApp(backend, { jobs });
    queue = await Queue.start(t.db, log, { pollingIntervalSeconds: 0.5 });
    await queue.work(jobHandlers({ 'transfer.build': transferBuildJob(t.services.transfers) }));
    agency = await t.agency('TRF001');
    other = await t.agency('TRF002');
    const key = await agency.keyWithRoles(['archivist']);
    archivist = key.token;
    actor = { principalId: key.principalId, agencyId: agency.id, agencyCode: agency.code, roles: ['archivist'], requestId: null };
    client = caseFileClient(t, agency.token);
  }, 120_000);
  afterAll(async () => {
    await queue?.stop(5_000);
    await t?.close();
    for (const dir of work) await fs.rm(dir, { recursive: true, force: true });
  });

  itWithReferee(
    'xmllint',
    'builds an E-ARK SIP 2.2 in a BagIt bag that xmllint, sha256sum/sha512sum, pdfsig and the package validator accept; then the Archivo Nacional confirms it',
    async () => {
      const inner = await closedCaseFile(['acumulado interno']);
      const iuie = await closedCaseFile(['resolución que aprueba', 'informe técnico', 'oficio de respuesta'], inner);
      const res = await t.request().post('/v1/transfers').set(bearer(archivist)).send({ caseFiles: [iuie] });
      expect(res.status, res.text).toBe(202);
      const id = res.body.id as string;
      await eventually(async () => ['ready', 'failed'].includes((await getTransfer(id)).body.state), 'la transferencia termina');
      const status = (await getTransfer(id)).body;
      expect(status, JSON.stringify(status)).toMatchObject({ state: 'ready', error: null, caseFiles: [{ iuie, indexVersion: 1 }] });
      expect(status.progress.filesDone).toBe(status.progress.filesTotal);

      const pkg = await t.request().get(`/v1/transfers/${id}/package`).set(bearer(archivist)).buffer(true).parse(binary);
      expect(pkg.status).toBe(200);
      expect(pkg.headers.etag).toBe(`"${status.package.sha256}"`);
      expect((pkg.body as Buffer).length).toBe(status.package.size);
      const part = await t.request().get(`/v1/transfers/${id}/package`).set(bearer(archivist)).set('Range', 'bytes=512-1023').buffer(true).parse(binary);
      expect(part.status).toBe(206);
      expect((part.body as Buffer).equals((pkg.body as Buffer).subarray(512, 1024))).toBe(true);
      expect((await t.request().get(`/v1/transfers/${id}/package`).set(bearer(archivist)).set('If-None-Match', pkg.headers.etag!)).status).toBe(304);

      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-transfer-test-'));
      work.push(dir);
      await fs.writeFile(path.join(dir, 'paquete.tar'), pkg.body as Buffer);
      expect(run('tar', ['-xf', 'paquete.tar'], { cwd: dir }).status).toBe(0);
      const bag = path.join(dir, `urn+uuid+${id}`);
      const files = await filesUnder(bag);

      // BagIt: fixity with coreutils, and completeness (every data/ file in the manifest and nothing else).
      for (const [tool, manifest] of [['sha256sum', 'manifest-sha256.txt'], ['sha512sum', 'manifest-sha512.txt'], ['sha256sum', 'tagmanifest-sha256.txt'], ['sha512sum', 'tagmanifest-sha512.txt']] as const) {
        const check = run(tool, ['-c', '--strict', '--quiet', manifest], { cwd: bag });
        expect(check.status, `${manifest}: ${check.out}`).toBe(0);
      }
      const listed = (await fs.readFile(path.join(bag, 'manifest-sha256.txt'), 'utf8')).trim().split('\n').map((l) => l.split('  ')[1]).sort();
      expect(listed).toEqual(files.filter((f) => f.startsWith('data/')));
      expect(await fs.readFile(path.join(bag, 'bagit.txt'), 'utf8')).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
      const bagInfo = await fs.readFile(path.join(bag, 'bag-info.txt'), 'utf8');
      let octets = 0;
      for (const f of listed) octets += (await fs.stat(path.join(bag, f!))).size;
      expect(bagInfo).toContain(`Payload-Oxum: ${octets}.${listed.length}\n`);
      expect(bagInfo).toContain(`External-Identifier: urn:uuid:${id}\n`);
      expect(bagInfo).toMatch(/^Source-Organization: Agencia TRF001 \(TRF001\)$/m);
      expect(bagInfo).toMatch(/^Bagging-Date: \d{4}-\d{2}-\d{2}$/m);

      // The layout of archive-packages.md §0.
      const rep = `data/representations/${iuie}`;
      for (const f of ['data/METS.xml', 'data/metadata/preservation/premis.xml', `data/metadata/descriptive/${iuie}.dc.xml`, `data/metadata/descriptive/${iuie}.mgdee.xml`, 'data/documentation/auditoria.jsonl', 'data/schemas/mets.xsd', 'data/schemas/premis-v3-0.xsd', `${rep}/METS.xml`, `${rep}/metadata/preservation/premis.xml`, `${rep}/data/indice.xml`, `${rep}/data/documentos/000001.pdf`, `${rep}/data/documentos/000003.pdf`, `${rep}/data/expedientes/000004/indice.xml`, `${rep}/data/expedientes/000004/documentos/000001.pdf`, `${rep}.pdfa/METS.xml`, `${rep}.pdfa/data/documentos/000001.pdf`]) {
        expect(files, f).toContain(f);
      }

      // Every METS against the official schemas (E-ARK driver, offline through the catalog), every PREMIS against PREMIS 3.
      const env = { ...process.env, XML_CATALOG_FILES: sharedPath('xsd/catalog.xml') };
      const mets = files.filter((f) => f.endsWith('METS.xml'));
      const premis = files.filter((f) => f.endsWith('premis.xml'));
      // The root, the originals and the PDF/A copies (a nested case file lives inside the originals' data/).
      expect(mets).toHaveLength(3);
      expect(premis).toHaveLength(3);
      for (const f of mets) {
        const r = run('xmllint', ['--nonet', '--noout', '--schema', sharedPath('xsd/eark-mets-all.xsd'), f], { cwd: bag, env });
        expect(r.status, `${f}: ${r.out}`).toBe(0);
      }
      for (const f of premis) {
        const r = run('xmllint', ['--nonet', '--noout', '--schema', sharedPath('xsd/premis/premis-v3-0.xsd'), f], { cwd: bag, env });
        expect(r.status, `${f}: ${r.out}`).toBe(0);
      }

      // The root METS says what the issue asks of it.
      const root = await fs.readFile(path.join(bag, 'data/METS.xml'), 'utf8');
      expect(root).toContain(`OBJID="urn:uuid:${id}"`);
      expect(root).toContain('PROFILE="https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-2-0.xml"');
      expect(root).toContain('csip:OTHERCONTENTINFORMATIONTYPE="CL-EXPEDIENTE-ELECTRONICO"');
      expect(root).toMatch(/<metsHdr CREATEDATE="[^"]+" RECORDSTATUS="NEW" csip:OAISPACKAGETYPE="SIP">/);
      expect(root).toMatch(/<agent ROLE="ARCHIVIST" TYPE="ORGANIZATION">\s*<name>Agencia TRF001<\/name>\s*<note csip:NOTETYPE="IDENTIFICATIONCODE">TRF001<\/note>/);
      expect(root).toMatch(/<structMap ID="structmap-csip" TYPE="PHYSICAL" LABEL="CSIP">/);
      expect(root.match(/<structMap /g)).toHaveLength(1);
      expect(root).not.toMatch(/CHECKSUMTYPE="(?!SHA-256")/);

      // Descriptive metadata carries the guide's fields, flagged for the Archivo Nacional.
      const mgdee = await fs.readFile(path.join(bag, `data/metadata/descriptive/${iuie}.mgdee.xml`), 'utf8');
      expect(mgdee).toContain(`<Campo codigo="MGDEE1_1" an="true">${iuie}</Campo>`);
      expect(mgdee).toMatch(/<Campo codigo="MGDEE3_2" an="true">[^<]+<\/Campo>/);
      expect(mgdee.match(/codigo="MGDEE53_1"/g)).toHaveLength(4);

      // PREMIS: formats by PRONOM id, original names, events the service recorded, the PDF/A migration.
      const repPremis = await fs.readFile(path.join(bag, `${rep}/metadata/preservation/premis.xml`), 'utf8');
      expect(repPremis).toContain('<premis:formatRegistryKey>fmt/101</premis:formatRegistryKey>');
      expect(repPremis).toMatch(/<premis:formatRegistryKey>fmt\/(1[4-9]|20|276)<\/premis:formatRegistryKey>/);
      expect(repPremis).toContain('<premis:originalName>doc.pdf</premis:originalName>');
      expect(repPremis).toContain('<premis:eventType>ingestion</premis:eventType>');
      expect(repPremis).toContain('<premis:eventType>digital signature generation</premis:eventType>');
      expect(repPremis).toContain('<premis:eventType>digital signature validation</premis:eventType>');
      const auditIds = [...repPremis.matchAll(/<premis:eventIdentifierType>legajo-auditoria<\/premis:eventIdentifierType>\s*<premis:eventIdentifierValue>(\d+)</g)].map((m) => m[1]);
      expect(auditIds.length).toBeGreaterThan(0);
      for (const auditId of auditIds) expect(await t.db.knex('audit_events').where({ id: auditId }).first()).toBeDefined();
      const pdfaPremis = await fs.readFile(path.join(bag, `${rep}.pdfa/metadata/preservation/premis.xml`), 'utf8');
      expect(pdfaPremis).toContain('<premis:eventType>migration</premis:eventType>');
      expect(pdfaPremis).toContain('<premis:formatRegistryKey>fmt/477</premis:formatRegistryKey>');
      expect(pdfaPremis).toContain(`<premis:relatedObjectIdentifierValue>representations/${iuie}/data/documentos/000001.pdf</premis:relatedObjectIdentifierValue>`);
      const rootPremis = await fs.readFile(path.join(bag, 'data/metadata/preservation/premis.xml'), 'utf8');
      expect(rootPremis).toContain('<premis:eventType>transfer</premis:eventType>');
      expect(rootPremis).toContain('<premis:eventType>closing</premis:eventType>');
      const audit = (await fs.readFile(path.join(bag, 'data/documentation/auditoria.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['case-file.open', 'case-file.close', 'document.file', 'document.version.sign', 'transfer.create']));

      // The original signatures are intact inside the package; the PDF/A copies claim PDF/A-2B.
      for (const n of ['000001', '000002', '000003']) {
        const sig = run('pdfsig', [`${rep}/data/documentos/${n}.pdf`], { cwd: bag });
        expect(sig.out, sig.out).toContain('Signature is Valid.');
        const meta = run('pdfinfo', ['-meta', `${rep}.pdfa/data/documentos/${n}.pdf`], { cwd: bag });
        expect(meta.out).toMatch(/pdfaid:part[>='"]+2/);
      }

      // The package validator built beside this feature accepts it.
      const report = await validatePackage(path.join(dir, 'paquete.tar'), { xsdDir: sharedPath('xsd'), schematronDir: sharedPath('schematron/eark-csip-2.1.0'), strict: true });
      expect(report.findings.filter((f) => f.level === 'error'), JSON.stringify(report.findings.filter((f) => f.level === 'error'), null, 1)).toEqual([]);
      expect(report.valid).toBe(true);

      // The same content as a zip.
      const zip = await t.request().get(`/v1/transfers/${id}/package?format=zip`).set(bearer(archivist)).buffer(true).parse(binary);
      expect(zip.status).toBe(200);
      await fs.writeFile(path.join(dir, 'paquete.zip'), zip.body as Buffer);
      const unzip = run('unzip', ['-Z1', 'paquete.zip'], { cwd: dir });
      expect(unzip.out.trim().split('\n').sort()).toEqual(files.map((f) => `urn+uuid+${id}/${f}`).sort());
      expect(run('unzip', ['-tq', 'paquete.zip'], { cwd: dir }).status).toBe(0);

      // Accepted by the Archivo Nacional: confirmed once, the case files become transferred and cannot go again.
      const confirmed = await t.request().post(`/v1/transfers/${id}/confirm`).set(bearer(archivist)).send({ receptionReference: 'AN-2026-0042' });
      expect(confirmed.status, confirmed.text).toBe(200);
      expect(confirmed.body).toMatchObject({ state: 'confirmed', receptionReference: 'AN-2026-0042' });
      expect((await t.db.knex('case_files').where({ iuie }).first('state')).state).toBe('transferido');
      expect(await t.db.knex('audit_events').where({ action: 'case-file.transfer' }).count<{ c: string }>('* as c').first()).toEqual({ c: backend === 'pglite' ? 1 : '1' });
      const again = await t.request().post(`/v1/transfers/${id}/confirm`).set(bearer(archivist)).send({ receptionReference: 'otra' });
      expect(again.status).toBe(409);
      const twice = await t.request().post('/v1/transfers').set(bearer(archivist)).send({ caseFiles: [iuie] });
      expect(twice.status).toBe(409);
      expect(twice.body.errors[0].message).toContain('ya fue transferido');
    },
    300_000,
  );

  it('refuses open, foreign, unknown, duplicated and already-queued case files with a precise 4xx, registering nothing', async () => {
    const open = await client.open();
    const closed = await closedCaseFile(['para rechazos']);
    const foreign = await caseFileClient(t, other.token).open();
    const before = await transferCount();
    const post = (body: unknown, token = archivist) => t.request().post('/v1/transfers').set(bearer(token)).send(body as object);

    const opened = await post({ caseFiles: [closed, open] });
    expect(opened.status).toBe(409);
    expect(opened.body.errors).toEqual([{ field: 'body.caseFiles.1', message: expect.stringContaining(`${open} está abierto`) }]);
    const unknown = await post({ caseFiles: ['EXP-20991231-999999-TRF001'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].message).toContain('no existe');
    const theirs = await post({ caseFiles: [foreign] });
    expect(theirs.status).toBe(403);
    expect(theirs.body.errors[0].message).toContain('otro órgano');
    expect((await post({ caseFiles: [closed, closed] })).status).toBe(422);
    expect((await post({ caseFiles: [closed], series: 'S1' })).status).toBe(422);
    expect((await post({})).status).toBe(422);
    expect((await post({ caseFiles: ['../etc'] })).status).toBe(422);
    expect((await post({ caseFiles: [closed] }, (await agency.keyWithRoles(['clerk'])).token)).status).toBe(403);
    expect(await transferCount()).toBe(before);

    autoBuild = false;
    try {
      const first = await post({ caseFiles: [closed] });
      expect(first.status).toBe(202);
      const second = await post({ caseFiles: [closed] });
      expect(second.status).toBe(409);
      expect(second.body.errors[0].message).toContain(`ya está en la transferencia ${first.body.id}`);
      const notReady = await t.request().get(`/v1/transfers/${first.body.id}/package`).set(bearer(archivist));
      expect(notReady.status).toBe(409);
      expect((await t.request().post(`/v1/transfers/${first.body.id}/confirm`).set(bearer(archivist)).send({ receptionReference: 'x' })).status).toBe(409);
      expect((await t.request().get(`/v1/transfers/${first.body.id}`).set(bearer(other.token))).status).toBe(404);
    } finally {
      autoBuild = true;
    }
  }, 120_000);

  it('a build interrupted mid-way and retried, and two builds racing, each record exactly one package', async () => {
    autoBuild = false;
    try {
      const iuie = await closedCaseFile(['reintento uno', 'reintento dos']);
      const created = await t.db.knex.transaction((trx) => t.services.transfers.createTransfer(trx, actor, { caseFiles: [iuie] }));
      const keysBefore = new Set(await t.objectKeys());
      // A crash while building: the try stops with the row in 'building' and leaves no object behind.
      await expect(t.services.transfers.runBuild(created.id, AbortSignal.abort(new Error('proceso detenido')))).rejects.toThrow();
      expect((await t.db.knex('transfers').where({ id: created.id }).first('state')).state).toBe('building');
      expect((await t.objectKeys()).filter((k) => !keysBefore.has(k))).toEqual([]);
      await t.services.transfers.runBuild(created.id);
      await t.services.transfers.runBuild(created.id);
      const row = await t.db.knex('transfers').where({ id: created.id }).first();
      expect(row.state).toBe('ready');
      expect((await t.objectKeys()).filter((k) => !keysBefore.has(k))).toEqual([row.package_object_key]);
      expect(await t.db.knex('audit_events').where({ action: 'transfer.package', target_id: created.id }).count<{ c: string }>('* as c').first()).toEqual({ c: backend === 'pglite' ? 1 : '1' });

      const racedCaseFile = await closedCaseFile(['carrera']);
      const raced = await t.db.knex.transaction((trx) => t.services.transfers.createTransfer(trx, actor, { caseFiles: [racedCaseFile] }));
      const keysRace = new Set(await t.objectKeys());
      await Promise.all([t.services.transfers.runBuild(raced.id), t.services.transfers.runBuild(raced.id)]);
      const racedRow = await t.db.knex('transfers').where({ id: raced.id }).first();
      expect(racedRow.state).toBe('ready');
      expect((await t.objectKeys()).filter((k) => !keysRace.has(k))).toEqual([racedRow.package_object_key]);
    } finally {
      autoBuild = true;
    }
  }, 300_000);

  itWithReferee('xmllint', 'a series goes as one package with a representation per case file, every METS and PREMIS valid', async () => {
    const series = `S-${backend}`;
    const first = await client.open({ MGDEE1_2: series });
    const second = await client.open({ MGDEE1_2: series });
    for (const iuie of [first, second]) {
      const d = await signedDocument(`serie ${iuie}`);
      expect((await client.add(iuie, { kind: 'document', documentId: d.id, version: d.version })).status).toBe(201);
      expect((await client.close(iuie)).status).toBe(200);
    }
    autoBuild = false;
    const res = await t.request().post('/v1/transfers').set(bearer(archivist)).send({ series });
    autoBuild = true;
    expect(res.status, res.text).toBe(202);
    await t.services.transfers.runBuild(res.body.id);
    const status = (await getTransfer(res.body.id)).body;
    expect(status).toMatchObject({ state: 'ready', series, caseFiles: [{ iuie: first }, { iuie: second }] });
    const pkg = await t.request().get(`/v1/transfers/${res.body.id}/package`).set(bearer(archivist)).buffer(true).parse(binary);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-transfer-serie-'));
    work.push(dir);
    await fs.writeFile(path.join(dir, 'paquete.tar'), pkg.body as Buffer);
    expect(run('tar', ['-xf', 'paquete.tar'], { cwd: dir }).status).toBe(0);
    const bag = path.join(dir, `urn+uuid+${res.body.id}`);
    const files = await filesUnder(bag);
    const env = { ...process.env, XML_CATALOG_FILES: sharedPath('xsd/catalog.xml') };
    expect(files.filter((f) => f.endsWith('METS.xml'))).toHaveLength(5);
    for (const f of files.filter((x) => x.endsWith('METS.xml') || x.endsWith('premis.xml'))) {
      const schema = f.endsWith('METS.xml') ? sharedPath('xsd/eark-mets-all.xsd') : sharedPath('xsd/premis/premis-v3-0.xsd');
      const r = run('xmllint', ['--nonet', '--noout', '--schema', schema, f], { cwd: bag, env });
      expect(r.status, `${f}: ${r.out}`).toBe(0);
    }
    const root = await fs.readFile(path.join(bag, 'data/METS.xml'), 'utf8');
    for (const iuie of [first, second]) expect(root).toContain(`LABEL="Representations/${iuie}"`);
    expect(root.match(/<dmdSec /g)).toHaveLength(4);
    expect(run('sha512sum', ['-c', '--strict', '--quiet', 'manifest-sha512.txt'], { cwd: bag }).status).toBe(0);
    const report = await validatePackage(path.join(dir, 'paquete.tar'), { xsdDir: sharedPath('xsd'), schematronDir: sharedPath('schematron/eark-csip-2.1.0'), strict: true });
    expect(report.findings.filter((f) => f.level === 'error')).toEqual([]);
    // The series is taken now: a second request finds nothing left to take.
    expect((await t.request().post('/v1/transfers').set(bearer(archivist)).send({ series })).status).toBe(409);
  }, 300_000);

  it('a missing stored object fails the build at once with a reason the API shows', async () => {
    const iuie = await closedCaseFile([`documento que se perderá ${backend}`]);
    const version = await t.db
      .knex('case_files as c')
      .join('case_file_entries as e', 'e.case_file_id', 'c.id')
      .join('document_versions as v', 'v.id', 'e.version_id')
      .where('c.iuie', iuie)
      .first('v.object_key');
    await t.store.delete(version.object_key);
    const res = await t.request().post('/v1/transfers').set(bearer(archivist)).send({ caseFiles: [iuie] });
    expect(res.status).toBe(202);
    await eventually(async () => (await getTransfer(res.body.id)).body.state !== 'queued' && (await getTransfer(res.body.id)).body.state !== 'building', 'la transferencia termina');
    const status = (await getTransfer(res.body.id)).body;
    expect(status.state).toBe('failed');
    expect(status.error).toContain('Falta en el almacén el contenido de');
    expect(status.error).toContain(iuie);
    expect(status.package).toBeNull();
    const pkg = await t.request().get(`/v1/transfers/${res.body.id}/package`).set(bearer(archivist));
    expect(pkg.status).toBe(409);
    expect(pkg.body.detail).toContain('falló');
  }, 120_000);
});
