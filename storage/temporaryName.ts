import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Unique name for a put's temporary data: no two puts, even of identical bytes, ever share one. */
export function temporaryName(): string {
  return randomUUID();
}

/** Whether a name found in a temporary area is one of ours (anything else is left alone and never becomes a path). */
export function isTemporaryName(name: string): boolean {
  return UUID.test(name);
}
