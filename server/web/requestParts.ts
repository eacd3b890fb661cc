import { z } from 'zod';
import { NotFoundError } from '../errors.ts';

const uuid = z.uuid();

/**
 * The id in a page's path: a malformed one names nothing that can exist, so it is answered like another agency's
 * id, 404 (as the API does). `what` names it: "una transferencia", "un documento".
 */
export function idParam(value: string | undefined, what: string): string {
  const parsed = uuid.safeParse(value);
  if (!parsed.success) throw new NotFoundError(`No existe ${what} con ese id en su agencia.`);
  return parsed.data;
}

/** One query parameter as text: a repeated one counts by its first value, a missing one is empty. */
export const oneQuery = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '').trim();
