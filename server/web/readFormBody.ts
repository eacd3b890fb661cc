import type { Context } from 'koa';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.ts';

/** The few native form posts of the web (sign-out, the development sign-in) are small url-encoded bodies. */
export async function readFormBody(ctx: Context, limit: number): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) throw new UnsupportedMediaTypeError('Se espera un formulario (application/x-www-form-urlencoded).');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new PayloadTooLargeError(`El formulario supera ${limit} bytes.`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
