import { ValidationError } from '../errors.ts';

export interface Page<T> {
  items: T[];
  /** Opaque; pass as `cursor` to get the next page. Null on the last page. */
  nextCursor: string | null;
}

const CURSOR_SHAPES = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  int: /^[1-9][0-9]{0,15}$/,
};

/** Decodes a cursor made by toPage, checking it has the shape of the key it stands for. */
export function decodeCursor(cursor: string | undefined, shape: keyof typeof CURSOR_SHAPES): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!CURSOR_SHAPES[shape].test(decoded) || Buffer.from(decoded, 'utf8').toString('base64url') !== cursor) {
    throw new ValidationError('El cursor no es válido: use el valor nextCursor de la página anterior.', [{ field: 'query.cursor', message: 'cursor inválido' }]);
  }
  return decoded;
}

/** Callers fetch `limit + 1` rows; the extra one only says whether another page exists. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? Buffer.from(keyOf(last), 'utf8').toString('base64url') : null };
}
