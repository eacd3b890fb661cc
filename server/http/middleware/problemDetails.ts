import type { Context, Middleware } from 'koa';
import { DomainError, TooManyRequestsError, MethodNotAllowedError, NotFoundError, NotImplementedError, PROBLEM_TYPE_BASE, type FieldError } from '../../errors.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  errors?: FieldError[];
}

function send(ctx: Context, problem: Problem): void {
  ctx.status = problem.status;
  ctx.type = 'application/problem+json';
  ctx.body = problem;
}

/**
 * The one place errors become responses (RFC 9457). Domain errors carry their own status and detail; anything
 * else is a 500 whose details stay in the log, tied to the response by the request id.
 */
export function problemDetails(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      // The router answers unknown paths and methods with a bare status; give them a problem document too.
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) throw new NotFoundError(`No existe la ruta ${ctx.method} ${ctx.path}. Consulte /openapi.json para ver las rutas disponibles.`);
        if (ctx.status === 405) throw new MethodNotAllowedError(`${ctx.method} no está permitido en ${ctx.path}; use uno de: ${ctx.response.get('Allow')}.`);
        if (ctx.status === 501) throw new NotImplementedError(`El método ${ctx.method} no está soportado.`);
      }
    } catch (err) {
      const requestId: string = ctx.state.requestId;
      const base = { instance: ctx.path, requestId };
      if (err instanceof DomainError) {
        if (err.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="legajo"');
        if (err instanceof TooManyRequestsError) ctx.set('Retry-After', String(err.retryAfterSeconds));
        send(ctx, {
          type: PROBLEM_TYPE_BASE + err.slug,
          title: err.title,
          status: err.status,
          detail: err.message,
          ...base,
          ...(err.errors ? { errors: err.errors } : {}),
        });
        return;
      }
      ctx.state.log.error({ err }, 'error interno');
      send(ctx, {
        type: PROBLEM_TYPE_BASE + 'internal',
        title: 'Error interno',
        status: 500,
        detail: `Ocurrió un error inesperado. Reintente más tarde; si persiste, informe el id de solicitud ${requestId}.`,
        ...base,
      });
    }
  };
}
