export interface FixityTotals {
  objectsChecked: number;
  bytesChecked: number;
  mismatches: number;
  missing: number;
  running: number;
  lastCompletedAt: Date | null;
  damaged: { mismatch: number; missing: number };
}

/** Prometheus text exposition of the fixity totals; counters are sums over all runs, gauges the current state. */
export function renderFixityMetrics(t: FixityTotals): string {
  const family = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[string, number]>) =>
    [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([labels, value]) => `${name}${labels} ${value}`)].join('\n');
  return [
    family('legajo_fixity_objects_checked_total', 'counter', 'Objects re-hashed by fixity runs.', [['', t.objectsChecked]]),
    family('legajo_fixity_bytes_checked_total', 'counter', 'Bytes read and hashed by fixity runs.', [['', t.bytesChecked]]),
    family('legajo_fixity_damage_detected_total', 'counter', 'Failed fixity checks, by outcome.', [
      ['{outcome="mismatch"}', t.mismatches],
      ['{outcome="missing"}', t.missing],
    ]),
    family('legajo_fixity_damaged_objects', 'gauge', 'Objects whose latest fixity check failed (GET /v1/fixity/alerts), by outcome.', [
      ['{outcome="mismatch"}', t.damaged.mismatch],
      ['{outcome="missing"}', t.damaged.missing],
    ]),
    family('legajo_fixity_run_in_progress', 'gauge', '1 while a fixity run is running.', [['', t.running]]),
    family('legajo_fixity_last_completed_timestamp_seconds', 'gauge', 'When the last fixity run completed (Unix time; 0 = never).', [
      ['', t.lastCompletedAt ? Math.floor(t.lastCompletedAt.getTime() / 1000) : 0],
    ]),
  ].join('\n') + '\n';
}
