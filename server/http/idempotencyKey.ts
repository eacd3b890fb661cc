import type { Context } from 'koa';
import { ValidationError } from '../errors.ts';

/** The Idempotency-Key header, checked for shape; absent means the POST is not deduplicated. */
export function idempotencyKey(ctx: Context): string | undefined {
  const key = ctx.get('idempotency-key');
  if (!key) return undefined;
  if (!/^[\x21-\x7e]{8,200}$/.test(key)) {
    throw new ValidationError('Idempotency-Key debe tener entre 8 y 200 caracteres visibles (p. ej. un UUID).', [{ field: 'header.Idempotency-Key', message: 'formato inválido' }]);
  }
  return key;
}
