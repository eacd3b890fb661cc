import { html, type Html } from './html.ts';

/** Dates, numbers and sizes as people in Chile read them: es-CL, in Santiago's time. */
const TIME_ZONE = 'America/Santiago';

// dd-mm-aaaa and a 24-hour clock, as Chilean forms write them (the short style would give a two-digit year).
const DAY = { day: '2-digit', month: '2-digit', year: 'numeric' } as const;
const dateTime = new Intl.DateTimeFormat('es-CL', { timeZone: TIME_ZONE, ...DAY, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dateOnly = new Intl.DateTimeFormat('es-CL', { timeZone: TIME_ZONE, ...DAY });
const integer = new Intl.NumberFormat('es-CL');

export function fechaHora(value: Date | string | null | undefined): string {
  if (!value) return '—';
  return dateTime.format(new Date(value));
}

export function fecha(value: Date | string | null | undefined): string {
  if (!value) return '—';
  return dateOnly.format(new Date(value));
}

export function numero(value: number | bigint | null | undefined): string {
  return value === null || value === undefined ? '—' : integer.format(value);
}

export function tamano(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${new Intl.NumberFormat('es-CL', { maximumFractionDigits: u === 0 ? 0 : 1 }).format(v)} ${units[u]}`;
}

/** An ISO instant for `<time datetime>`, so the exact moment stays machine-readable beside the Chilean format. */
export const isoInstant = (value: Date | string): string => new Date(value).toISOString();

/** A moment as people read it, with the exact instant kept machine-readable; a dash when there is none. */
export const momento = (value: Date | string | null | undefined): Html => (value ? html`<time datetime="${isoInstant(value)}">${fechaHora(value)}</time>` : html`—`);
