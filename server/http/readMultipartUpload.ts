import busboy from 'busboy';
import type { Context } from 'koa';
import type { ObjectStore, PutResult } from '../../storage/ObjectStore.ts';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors.ts';

export interface MultipartUpload {
  fields: Record<string, string>;
  file: { put: PutResult; fileName: string | null } | null;
}

export interface MultipartLimits {
  maxFileBytes: number;
  /** Names of the text fields the route accepts. */
  fields: readonly string[];
  maxFieldBytes: number;
}

/**
 * Reads a multipart/form-data request: text fields into memory (bounded), the single `file` part streamed straight
 * into the object store while it is hashed, never whole in memory. Anything wrong after the file was stored
 * (a second file, an oversized field) discards it through `discard`, so a rejected request leaves nothing behind.
 */
export async function readMultipartUpload(
  ctx: Context,
  store: ObjectStore,
  limits: MultipartLimits,
  discard: (put: PutResult) => Promise<void>,
): Promise<MultipartUpload> {
  if (!ctx.is('multipart/form-data')) {
    throw new UnsupportedMediaTypeError(`Esta ruta espera multipart/form-data (partes "file" y ${limits.fields.map((f) => `"${f}"`).join(', ')}); se recibió ${ctx.get('content-type') || 'nada'}.`);
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: ctx.req.headers,
      // File names are UTF-8 in every current browser and HTTP client.
      defParamCharset: 'utf8',
      // Generous part counts: unknown part names are refused one by one below, with their name.
      limits: { files: 1, fields: 20, fieldSize: limits.maxFieldBytes, fileSize: limits.maxFileBytes, parts: 25 },
    });
  } catch (err) {
    throw new BadRequestError(`Encabezado multipart inválido: ${(err as Error).message}`);
  }

  const fields: Record<string, string> = {};
  const abort = new AbortController();
  let failure: Error | null = null;
  // After a failure the parser may never reach 'close' (its file stream was destroyed): stop waiting for it.
  let settle = () => {};
  const fail = (err: Error) => {
    failure ??= err;
    abort.abort(err);
    settle();
  };
  // Assigned in a callback; the cast keeps TypeScript from narrowing it to null.
  let filePut = null as Promise<{ put: PutResult; fileName: string | null }> | null;

  parser.on('field', (name, value, info) => {
    if (!limits.fields.includes(name)) return fail(new ValidationError(`Parte desconocida "${name}".`, [{ field: name, message: 'parte desconocida' }]));
    if (info.valueTruncated) return fail(new PayloadTooLargeError(`La parte "${name}" supera ${limits.maxFieldBytes} bytes.`));
    fields[name] = value;
  });
  parser.on('file', (name, stream, info) => {
    if (name !== 'file') {
      stream.resume();
      return fail(new ValidationError(`Parte de archivo desconocida "${name}"; el archivo va en la parte "file".`, [{ field: name, message: 'parte desconocida' }]));
    }
    stream.on('error', (err: Error) => fail(new BadRequestError(`El cuerpo multipart está mal formado: ${err.message}`)));
    stream.on('limit', () => fail(new PayloadTooLargeError(`El archivo supera el máximo de ${limits.maxFileBytes} bytes.`)));
    filePut = store.put(stream, { signal: abort.signal }).then((put) => ({ put, fileName: info.filename ? info.filename.slice(0, 255) : null }));
    // A failed put is reported through `failure`; keep the promise from going unhandled meanwhile.
    filePut.catch((err) => fail(err as Error));
  });
  parser.on('error', (err: Error) => fail(new BadRequestError(`El cuerpo multipart está mal formado: ${err.message}`)));
  parser.on('filesLimit', () => fail(new ValidationError('Envíe un solo archivo por solicitud.', [{ field: 'file', message: 'más de un archivo' }])));
  parser.on('fieldsLimit', () => fail(new ValidationError('Demasiadas partes en la solicitud.', [])));
  parser.on('partsLimit', () => fail(new ValidationError('Demasiadas partes en la solicitud.', [])));

  await new Promise<void>((resolve) => {
    settle = resolve;
    if (failure) return resolve();
    parser.on('close', resolve);
    ctx.req.on('aborted', () => {
      fail(new BadRequestError('El cliente interrumpió el envío.'));
      resolve();
    });
    ctx.req.pipe(parser);
  });

  let file: { put: PutResult; fileName: string | null } | null = null;
  if (filePut) {
    try {
      file = await filePut;
    } catch (err) {
      fail(err as Error);
    }
  }
  if (failure) {
    ctx.req.unpipe(parser);
    ctx.req.resume();
    ctx.set('Connection', 'close');
    if (file) await discard(file.put);
    throw failure;
  }
  return { fields, file };
}
