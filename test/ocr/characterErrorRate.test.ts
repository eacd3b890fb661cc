import { describe, expect, it } from 'vitest';
import { characterErrorRate, levenshtein, normaliseForScoring } from '../../ocr-worker/engine/characterErrorRate.ts';

describe('characterErrorRate', () => {
  it('es la distancia de edición sobre el largo de la referencia', () => {
    expect(levenshtein([...'kitten'], [...'sitting'])).toBe(3);
    expect(characterErrorRate('kitten', 'sitting')).toBeCloseTo(3 / 6);
    expect(characterErrorRate('Ñuñoa', 'Ñuñoa')).toBe(0);
  });

  it('no depende de cuál de los dos textos es más corto', () => {
    expect(levenshtein([...'convenio'], [...'conv'])).toBe(levenshtein([...'conv'], [...'convenio']));
    expect(characterErrorRate('abc', '')).toBe(1);
    expect(characterErrorRate('ab', 'abcdef')).toBe(2);
  });

  it('normaliza a NFC y colapsa los espacios antes de comparar', () => {
    const decomposed = 'Resolucio\u0301n exenta';
    expect(characterErrorRate('Resolución exenta', decomposed)).toBe(0);
    expect(characterErrorRate('Resolución  exenta\n', ' Resolución\texenta')).toBe(0);
    expect(normaliseForScoring(' a \n\n b ')).toBe('a b');
  });

  it('cuenta mayúsculas, tildes y puntuación', () => {
    expect(characterErrorRate('Ñuñoa', 'nunoa')).toBeCloseTo(2 / 5);
    expect(characterErrorRate('N.º 1234', 'N° 1234')).toBeCloseTo(2 / 8);
  });

  it('cuenta por puntos de código, no por unidades UTF-16', () => {
    expect(characterErrorRate('a😀b', 'ab')).toBeCloseTo(1 / 3);
  });
});
