import { createHmac, randomBytes } from 'node:crypto';

/** 256 bits; the base64url text itself (not its decoded bytes) is the HMAC key, so receivers use it as shown. */
export const generateWebhookSecret = (): string => randomBytes(32).toString('base64url');

/**
 * The Legajo-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. Signing the
 * timestamp with the body lets receivers refuse old deliveries replayed by someone who captured one.
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}
