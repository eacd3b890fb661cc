import { InvalidKeyError } from './errors.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const KEY = /^sha256\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

/**
 * Content-addressed key of a SHA-256 digest: `sha256/<aa>/<bb>/<hex>`. The two fan-out levels keep directories
 * (and S3 listing pages) small.
 */
export function objectKey(sha256hex: string): string {
  const hex = normalizeSha256(sha256hex);
  return `sha256/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`;
}

/**
 * Lower-case hex digest, or InvalidKeyError (a digest names a key). Upper case is accepted since clients send
 * digests either way.
 */
export function normalizeSha256(sha256hex: string): string {
  const hex = sha256hex.toLowerCase();
  if (!SHA256_HEX.test(hex)) throw new InvalidKeyError(sha256hex);
  return hex;
}

/** True only for keys `objectKey` can produce: the fan-out directories must match the digest. */
export function isObjectKey(key: string): boolean {
  const m = KEY.exec(key);
  return m !== null && m[3]!.startsWith(m[1]! + m[2]!);
}

/** Guard for every key that comes from outside, so none reaches a path or a request unchecked. */
export function assertObjectKey(key: string): void {
  if (!isObjectKey(key)) throw new InvalidKeyError(key);
}
