import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { AuthorizedCopyError, authorizedCopyPdf } from '../../../standards/chile/authorizedCopyPdf.ts';
import { caseFileIndexPdf } from '../../../standards/chile/caseFileIndexPdf.ts';
import { ACCESS_LEVELS } from '../../../standards/chile/documentMetadata.ts';
import { signPdf } from '../../../standards/pades/signPdf.ts';
import type { ObjectStore, PutResult } from '../../../storage/ObjectStore.ts';
import type { Clock } from '../../clock.ts';
import { ConflictError, NotFoundError, PayloadTooLargeError, ValidationError } from '../../errors.ts';
import type { AuditService } from '../audit/auditService.ts';
import type { CaseFileService } from '../caseFiles/caseFileService.ts';
import { caseFileRepository } from '../caseFiles/caseFileRepository.ts';
import { readSealedIndex } from '../caseFiles/indexModel.ts';
import type { DocumentService } from '../documents/documentService.ts';
import { readWhole } from '../documents/storeRangeSource.ts';
import { assertObjectPresent, discardIfUnreferenced } from '../objects/objectGuard.ts';
import type { Actor } from '../principals/Actor.ts';
import type { Signer } from '../signing/Signer.ts';
import { assertContentKept } from '../archive/assertContentKept.ts';

/** Crockford's base32: no I, L, O or U, so a code read aloud or retyped survives. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_CHARS = 20;

/** 100 random bits as XXXX-XXXX-XXXX-XXXX-XXXX: unguessable, and short enough to type from paper. */
export function newVerificationCode(): string {
  const bytes = randomBytes(CODE_CHARS);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]!).join('');
  return chars.match(/.{4}/g)!.join('-');
}

/** The canonical form of a typed code (case, dashes, spaces and Crockford's look-alikes forgiven), or null. */
export function normalizeVerificationCode(input: string): string | null {
  const cleaned = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (cleaned.length !== CODE_CHARS || [...cleaned].some((c) => !ALPHABET.includes(c))) return null;
  return cleaned;
}

const codeHash = (normalized: string) => createHash('sha256').update(normalized).digest('hex');

export interface IssuedCopy {
  id: string;
  code: string;
  verifyUrl: string;
  sha256: string;
  size: number;
  issuedAt: Date;
}

/**
 * Authorized copies (copias autorizadas, DS 10 art. 35): a sealed PDF carrying a verification code and URL. Only
 * the code's hash is kept, so the table cannot be turned back into valid codes; the public check says whether a
 * copy is authentic and what it is, never more than the access level allows.
 */
export class AuthorizedCopyService {
  constructor(
    private readonly knex: Knex,
    private readonly store: ObjectStore,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly seal: Signer,
    private readonly documents: DocumentService,
    private readonly caseFiles: CaseFileService,
    private readonly publicBaseUrl: string,
    private readonly maxBytes: number,
  ) {}

  private verifyUrl = (code: string) => `${this.publicBaseUrl}/verify/${code}`;

  private async issuer(actor: Actor) {
    const agency = await this.knex('agencies').where({ id: actor.agencyId }).first('code', 'name');
    const person = await this.knex('principals').where({ id: actor.principalId }).first('name');
    return { agency: { code: agency.code as string, name: agency.name as string }, issuedBy: person.name as string };
  }

  /** Seals the copy, stores it and records it with its audit event; nothing stays behind if that fails. */
  private async keep(actor: Actor, code: string, pdf: Uint8Array, row: { subjectKind: 'version' | 'case-file'; versionId?: string; caseFileId?: string; indexVersion?: number; subjectSha256: string; target: { type: string; id: string } }, issuedAt: Date): Promise<IssuedCopy> {
    const sealed = await signPdf(Buffer.from(pdf), this.seal, {
      reason: `Copia autorizada, código de verificación ${code}`,
      signerName: this.seal.describe().name,
      signerPost: 'Sello electrónico del órgano',
      signingTime: issuedAt,
    });
    const put: PutResult = await this.store.put(Readable.from([sealed.pdf]));
    try {
      return await this.knex.transaction(async (trx) => {
        await assertObjectPresent(trx, this.store, put.key);
        const [inserted] = await trx('authorized_copies')
          .insert({
            agency_id: actor.agencyId,
            code_sha256: codeHash(normalizeVerificationCode(code)!),
            subject_kind: row.subjectKind,
            version_id: row.versionId ?? null,
            case_file_id: row.caseFileId ?? null,
            case_file_index_version: row.indexVersion ?? null,
            subject_sha256: row.subjectSha256,
            sha256: put.sha256,
            size: put.size,
            object_key: put.key,
            issued_by: actor.principalId,
            issued_at: issuedAt,
          })
          .returning('id');
        await this.audit.append(trx, {
          agencyId: actor.agencyId,
          actorId: actor.principalId,
          requestId: actor.requestId,
          action: 'authorized-copy.issue',
          targetType: row.target.type,
          targetId: row.target.id,
          data: { copy: inserted.id, subjectKind: row.subjectKind, subjectSha256: row.subjectSha256, sha256: put.sha256, indexVersion: row.indexVersion ?? null },
        });
        return { id: inserted.id as string, code, verifyUrl: this.verifyUrl(code), sha256: put.sha256, size: put.size, issuedAt };
      });
    } catch (err) {
      await discardIfUnreferenced(this.knex, this.store, put);
      throw err;
    }
  }

  /** A copy of one PDF version, with the verification footer on every page and a certificate page at the end. */
  async issueForVersion(actor: Actor, documentId: string, n: number): Promise<IssuedCopy> {
    const version = await this.documents.version(actor, documentId, n);
    const document = await this.documents.requireDocument(this.knex, actor, documentId);
    if (version.mediaType !== 'application/pdf') {
      throw new ValidationError(`Solo se emiten copias autorizadas de PDF; la versión ${n} es ${version.mediaType}.`, [{ field: 'version', message: 'no es PDF' }]);
    }
    if (version.size > this.maxBytes) throw new PayloadTooLargeError(`La versión supera ${this.maxBytes} bytes, el máximo para emitir una copia.`);
    await assertContentKept(this.knex, version.id);
    const code = newVerificationCode();
    const issuedAt = this.clock.now();
    let pdf: Uint8Array;
    try {
      pdf = await authorizedCopyPdf({
        source: await readWhole(this.store, version.objectKey),
        code,
        verifyUrl: this.verifyUrl(code),
        issuedAt,
        ...(await this.issuer(actor)),
        subject: { kind: 'version', identifier: document.identifier, version: n, title: document.title, sha256: version.sha256 },
      });
    } catch (err) {
      if (err instanceof AuthorizedCopyError) throw new ValidationError(err.message, [{ field: 'version', message: err.reason === 'encrypted' ? 'PDF cifrado' : 'PDF ilegible' }]);
      throw err;
    }
    return this.keep(actor, code, pdf, { subjectKind: 'version', versionId: version.id, subjectSha256: version.sha256, target: { type: 'document', id: documentId } }, issuedAt);
  }

  /** A copy of a case file: its latest sealed index rendered as PDF, with the footer on every page. */
  async issueForCaseFile(actor: Actor, iuie: string): Promise<IssuedCopy> {
    const c = await this.caseFiles.require(this.knex, actor, iuie);
    if (c.indexVersion === 0) throw new ConflictError(`El expediente ${iuie} no tiene un índice sellado: ciérrelo para emitir una copia autorizada.`);
    const sealed = (await caseFileRepository.findIndexVersion(this.knex, c.id, c.indexVersion))!;
    const { index } = await readSealedIndex(this.store, sealed.objectKey);
    const code = newVerificationCode();
    const issuedAt = this.clock.now();
    const pdf = await caseFileIndexPdf({ index, code, verifyUrl: this.verifyUrl(code), issuedAt, ...(await this.issuer(actor)) });
    return this.keep(actor, code, pdf, { subjectKind: 'case-file', caseFileId: c.id, indexVersion: sealed.number, subjectSha256: sealed.sha256, target: { type: 'case-file', id: c.id } }, issuedAt);
  }

  /** The copies issued of one version, newest first (their codes are never stored, so never listed). */
  async listForVersion(actor: Actor, documentId: string, n: number): Promise<Array<Omit<IssuedCopy, 'code' | 'verifyUrl'>>> {
    const version = await this.documents.version(actor, documentId, n);
    const rows = await this.knex('authorized_copies').where({ agency_id: actor.agencyId, version_id: version.id }).orderBy('issued_at', 'desc').select('id', 'sha256', 'size', 'issued_at');
    return rows.map((r: { id: string; sha256: string; size: string | number; issued_at: Date }) => ({ id: r.id, sha256: r.sha256, size: Number(r.size), issuedAt: r.issued_at }));
  }

  async content(actor: Actor, id: string): Promise<{ sha256: string; body: Readable }> {
    const row = await this.knex('authorized_copies').where({ agency_id: actor.agencyId, id }).first('sha256', 'object_key', 'version_id');
    if (!row) throw new NotFoundError('No existe una copia autorizada con ese id en su agencia.');
    // A copy goes with the version it reproduces when that version is destroyed.
    if (row.version_id) await assertContentKept(this.knex, row.version_id);
    return { sha256: row.sha256, body: await this.store.get(row.object_key) };
  }

  /**
   * The public check behind /verify/{code}. It says whether the code belongs to a copy this service issued, what
   * the copy reproduces and who issued it; the title only when the record is public and not sensitive.
   */
  async verify(input: string) {
    const normalized = normalizeVerificationCode(input);
    const unknown = new NotFoundError('Este código no corresponde a ninguna copia autorizada emitida por este servicio: la copia no es auténtica o el código se escribió mal.');
    if (!normalized) throw unknown;
    const row = await this.knex('authorized_copies as a')
      .join('agencies as g', 'g.id', 'a.agency_id')
      .leftJoin('document_versions as v', 'v.id', 'a.version_id')
      .leftJoin('documents as d', 'd.id', 'v.document_id')
      .leftJoin('case_files as c', 'c.id', 'a.case_file_id')
      .where('a.code_sha256', codeHash(normalized))
      .first(
        'a.subject_kind',
        'a.subject_sha256',
        'a.sha256',
        'a.size',
        'a.issued_at',
        'a.case_file_index_version',
        'g.code as agency_code',
        'g.name as agency_name',
        'd.identifier as d_identifier',
        'd.title as d_title',
        'd.access_level as d_access',
        'd.sensitive as d_sensitive',
        'v.number as v_number',
        'c.iuie as c_iuie',
        'c.title as c_title',
        'c.access_level as c_access',
        'c.sensitive as c_sensitive',
      );
    if (!row) throw unknown;
    const isVersion = row.subject_kind === 'version';
    const access = Number(isVersion ? row.d_access : row.c_access) as keyof typeof ACCESS_LEVELS;
    const open = access === 1 && !(isVersion ? row.d_sensitive : row.c_sensitive);
    return {
      authentic: true,
      kind: isVersion ? 'versión de documento' : 'expediente (índice electrónico sellado)',
      identifier: isVersion ? row.d_identifier : row.c_iuie,
      version: isVersion ? row.v_number : row.case_file_index_version,
      title: open ? (isVersion ? row.d_title : row.c_title) : null,
      accessLevel: ACCESS_LEVELS[access],
      issuedAt: row.issued_at,
      issuer: { code: row.agency_code, name: row.agency_name },
      copy: { sha256: row.sha256, size: Number(row.size) },
      original: { sha256: row.subject_sha256 },
      howToCheck: 'Calcule el SHA-256 del PDF que tiene en sus manos: si coincide con copy.sha256, es exactamente la copia emitida.',
    };
  }
}
