export const DISPOSITIONS = ['transfer', 'destroy', 'review'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];
export const TRIGGERS = ['closed', 'final', 'date'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export interface RuleVersion {
  version: number;
  periodYears: number;
  trigger: Trigger;
  triggerDate: string | null;
  disposition: Disposition;
  appliesToRunning: boolean;
  createdAt: Date;
}

export interface Override {
  id: string;
  periodYears: number;
  disposition: Disposition;
}

export interface Schedule {
  periodYears: number;
  disposition: Disposition;
  /** When the period started: the record's closing or finalisation, or the rule's fixed date. */
  startedAt: Date;
  dueAt: Date;
  /** `series:<code>@v<n>` or `override:<id>`, so a listing says where each schedule came from. */
  source: string;
}

const addYears = (d: Date, years: number) => {
  const due = new Date(d);
  due.setUTCFullYear(due.getUTCFullYear() + years);
  return due;
};

/**
 * The schedule a record is under. Its series' rule versions apply from the one in force when the period started;
 * a later version may lengthen the period but shortens it only if it was made with an explicit review
 * (appliesToRunning), and a later switch to destruction without review becomes "review": an archivist decides.
 * An override on the record itself is an explicit, audited act and takes precedence.
 * `recordEvent` is the record's own trigger (closing for a case file, finalisation for a document); null when it
 * has not happened, in which case no period is running.
 */
export function effectiveSchedule(seriesCode: string, versions: readonly RuleVersion[], recordEvent: Date | null, override: Override | null): Schedule | null {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const latest = sorted.at(-1);
  const startedAt = latest?.trigger === 'date' ? new Date(`${latest.triggerDate}T00:00:00Z`) : recordEvent;
  if (!startedAt || (!latest && !override)) return null;
  if (override) {
    return { periodYears: override.periodYears, disposition: override.disposition, startedAt, dueAt: addYears(startedAt, override.periodYears), source: `override:${override.id}` };
  }

  // The version in force when the period started, or the first one if the series had no rule yet.
  let from = 0;
  for (const [i, v] of sorted.entries()) if (v.createdAt <= startedAt) from = i;
  let periodYears = sorted[from]!.periodYears;
  let disposition = sorted[from]!.disposition;
  let version = sorted[from]!.version;
  for (const v of sorted.slice(from + 1)) {
    version = v.version;
    if (v.appliesToRunning) {
      periodYears = v.periodYears;
      disposition = v.disposition;
      continue;
    }
    periodYears = Math.max(periodYears, v.periodYears);
    disposition = v.disposition === 'destroy' && disposition !== 'destroy' ? 'review' : v.disposition;
  }
  return { periodYears, disposition, startedAt, dueAt: addYears(startedAt, periodYears), source: `series:${seriesCode}@v${version}` };
}

/** Whether `code` is `ancestor` or a series under it (01.02 is under 01). */
export const isUnderSeries = (code: string, ancestor: string) => code === ancestor || code.startsWith(`${ancestor}.`);
