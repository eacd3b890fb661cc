/** Date and time fields of `date` as seen in `timeZone`, 24-hour, zero-padded (plus the zone's offset name). */
export function zonedParts(date: Date, timeZone: string): (type: Intl.DateTimeFormatPartTypes) => string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'shortOffset',
  }).formatToParts(date);
  return (type) => parts.find((p) => p.type === type)?.value ?? '';
}
