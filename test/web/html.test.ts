import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, trusted } from '../../server/web/html.ts';
import { fecha, fechaHora, numero, tamano } from '../../server/web/format.ts';

describe('html', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const name = `"><script>alert('x')</script>&`;
    expect(html`<a title="${name}">${name}</a>`.value).toBe('<a title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</a>');
  });

  it('nests Html without escaping it twice, joins arrays and drops null, undefined and false', () => {
    const items = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>0');
    expect(html`${trusted('<hr>')}`.value).toBe('<hr>');
  });

  it('never lets a markup character of any string through', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(escapeHtml(s)).not.toMatch(/[<>"'`]/);
        expect(html`<p>${s}</p>`.value.slice(3, -4)).toBe(escapeHtml(s));
      }),
    );
  });
});

describe('formato chileno', () => {
  it('writes dates in Santiago’s time as dd-mm-aaaa with a 24-hour clock, and numbers with a dot for thousands', () => {
    // 03:30 UTC on 1 December is 00:30 in Santiago (UTC-3 in summer); in July (UTC-4) 15:00 UTC is 11:00.
    expect(fechaHora('2026-12-01T03:30:00Z')).toBe('01-12-2026, 00:30');
    expect(fechaHora(new Date('2026-07-10T15:00:00Z'))).toBe('10-07-2026, 11:00');
    expect(fecha('2026-12-01T03:30:00Z')).toBe('01-12-2026');
    expect(fechaHora(null)).toBe('—');
    expect(numero(1234567)).toBe('1.234.567');
    expect(tamano(1536)).toBe('1,5 KB');
    expect(tamano(512)).toBe('512 B');
  });
});
