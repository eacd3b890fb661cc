import type { Context } from 'koa';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.ts';

/**
 * Reads a JSON request body with a hard byte limit. The declared length is checked before reading, and the
 * stream is cut as soon as it passes the limit, so an oversized body costs at most `limit` bytes of memory.
 */
export async function readJsonBody(ctx: Context, limit: number): Promise<unknown> {
  if (!ctx.is('application/json') && !ctx.is('application/*+json')) {
    throw new UnsupportedMediaTypeError(
      `Esta ruta acepta solo JSON; se recibió ${ctx.get('content-type') || 'una solicitud sin Content-Type'}. Envíe Content-Type: application/json.`,
    );
  }
  const tooLarge = () => new PayloadTooLargeError(`El cuerpo JSON supera el máximo de ${limit} bytes.`);
  const declared = Number(ctx.get('content-length') || NaN);
  if (declared > limit) throw tooLarge();
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const req = ctx.req;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      cleanup();
      // Drain and drop the rest instead of destroying the socket, so the 413 still reaches the client;
      // Connection: close stops the client from sending anything more on this connection.
      ctx.set('Connection', 'close');
      req.resume();
      reject(tooLarge());
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new BadRequestError(`No se pudo leer el cuerpo de la solicitud: ${err.message}`));
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
  const text = raw.toString('utf8');
  if (text.trim() === '') throw new BadRequestError('El cuerpo está vacío; se esperaba un objeto JSON.');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`El cuerpo no es JSON válido: ${(err as Error).message}`);
  }
}
