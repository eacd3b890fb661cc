import type { Knex } from 'knex';
import { NotFoundError } from '../../errors.ts';
import type { AuditService } from '../audit/auditService.ts';
import { isGuarded } from '../documents/documentService.ts';
import type { Actor } from '../principals/Actor.ts';
import { searchRepository, type SearchFilter, type SearchHit, type SearchMode } from './searchRepository.ts';

export interface SearchQuery extends Omit<SearchFilter, 'agencyId' | 'caseFileId' | 'mode'> {
  /** IUIe of a case file of the caller's agency: only documents with a version in it. */
  caseFile?: string | undefined;
  /** Set when continuing from a cursor: a page never switches mode half-way through the results. */
  mode?: SearchMode | undefined;
}

export class SearchService {
  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditService,
  ) {}

  /**
   * One page (`limit` hits) plus one more, if any, that only tells the caller another page exists. Full text first;
   * only when it finds nothing does the approximate (trigram) search run.
   */
  async search(actor: Actor, query: SearchQuery): Promise<{ mode: SearchMode; hits: SearchHit[] }> {
    const { caseFile, mode, ...rest } = query;
    let caseFileId: string | undefined;
    if (caseFile !== undefined) {
      caseFileId = (await searchRepository.findCaseFileId(this.knex, actor.agencyId, caseFile)) ?? undefined;
      if (!caseFileId) throw new NotFoundError('No existe un expediente con ese IUIe en su agencia.');
    }
    const run = (m: SearchMode) => searchRepository.search(this.knex, { ...rest, agencyId: actor.agencyId, caseFileId, mode: m, limit: query.limit + 1 });
    let used: SearchMode = mode ?? 'text';
    let hits = await run(used);
    if (!hits.length && mode === undefined) {
      used = 'approximate';
      hits = await run(used);
    }
    await this.recordRead(actor, hits.slice(0, query.limit).map((h) => h.document));
    return { mode: used, hits };
  }

  /** Search results name and excerpt documents: guarded ones are recorded like any other read (DS 10 art. 37). */
  private async recordRead(actor: Actor, documents: SearchHit['document'][]) {
    const guarded = documents.filter(isGuarded);
    if (!guarded.length) return;
    await this.audit.append(this.knex, {
      action: 'document.search',
      targetType: 'document',
      targetId: guarded.length === 1 ? guarded[0]!.id : null,
      agencyId: actor.agencyId,
      actorId: actor.principalId,
      requestId: actor.requestId,
      data: { documents: guarded.map((d) => ({ id: d.id, accessLevel: d.accessLevel, sensitive: d.sensitive })) },
    });
  }
}
