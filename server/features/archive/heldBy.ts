import type { HoldRow } from './archiveRepository.ts';
import { isUnderSeries } from './effectiveSchedule.ts';

/** What a record is: itself, its series, and for a case file the documents it holds with their series. */
export interface HoldSubject {
  targetType: 'case_file' | 'document';
  targetId: string;
  seriesCode: string | null;
  documents?: ReadonlyArray<{ id: string; seriesCode: string | null }>;
}

/**
 * The active holds that stop a record's disposal: a hold on it, on its series or a series above, and for a case
 * file a hold on any document in it (destroying the case file would destroy that document too).
 */
export function heldBy(holds: readonly HoldRow[], subject: HoldSubject): HoldRow[] {
  const series = [subject.seriesCode, ...(subject.documents ?? []).map((d) => d.seriesCode)].filter((c): c is string => c !== null);
  const documentIds = new Set((subject.documents ?? []).map((d) => d.id));
  return holds.filter((h) => {
    if (h.releasedAt) return false;
    if (h.targetType === 'series') return series.some((code) => isUnderSeries(code, h.seriesCode!));
    if (h.targetType === subject.targetType && h.targetId === subject.targetId) return true;
    return h.targetType === 'document' && documentIds.has(h.targetId!);
  });
}
