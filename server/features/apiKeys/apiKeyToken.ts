import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyKind } from './apiKeyRepository.ts';

/** 256 bits of randomness; the kind is visible in the token so a test key is recognisable in a config file. */
export function generateApiKeyToken(kind: ApiKeyKind): { token: string; prefix: string; sha256: string } {
  const token = `lgj_${kind}_${randomBytes(32).toString('base64url')}`;
  return { token, prefix: token.slice(0, 'lgj_live_'.length + 6), sha256: hashApiKeyToken(token) };
}

export const hashApiKeyToken = (token: string) => createHash('sha256').update(token).digest('hex');
