/**
 * RUN (people) and RUT (organisations) share one format: a body of digits and a modulo-11 check digit (0-9 or K).
 * Accepts dots and a hyphen (12.345.678-5) or none (123456785); normalises to `12345678-5`.
 */
export function runCheckDigit(body: string): string {
  let sum = 0;
  let factor = 2;
  for (let i = body.length - 1; i >= 0; i--) {
    sum += Number(body[i]) * factor;
    factor = factor === 7 ? 2 : factor + 1;
  }
  const dv = 11 - (sum % 11);
  return dv === 11 ? '0' : dv === 10 ? 'K' : String(dv);
}

export type RunParse = { ok: true; normalized: string } | { ok: false; reason: string };

export function parseRun(input: string): RunParse {
  const compact = input.trim().replace(/\./g, '').replace(/-/g, '').toUpperCase();
  const m = /^(\d{1,9})([0-9K])$/.exec(compact);
  if (!m) return { ok: false, reason: 'formato inválido: se espera 12.345.678-5 o 12345678-5' };
  const body = m[1]!.replace(/^0+(?=\d)/, '');
  const dv = m[2]!;
  const expected = runCheckDigit(body);
  if (dv !== expected) return { ok: false, reason: `dígito verificador incorrecto (para ${body} corresponde ${expected})` };
  return { ok: true, normalized: `${body}-${dv}` };
}
