import Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError, type FieldError } from '../errors.ts';
import type { ApiKeyService } from '../features/apiKeys/apiKeyService.ts';
import type { Actor } from '../features/principals/Actor.ts';
import type { WebSessionService } from '../features/webSessions/webSessionService.ts';
import { csrfProblem } from '../web/sessionCookie.ts';
import { readJsonBody } from './readJsonBody.ts';
import type { RouteDef } from './route.ts';

function fieldErrors(location: string, error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const at = [location, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => ({ field: `${at}.${k}`, message: 'campo desconocido' }));
    }
    return [{ field: at, message: issue.message }];
  });
}

function parse<S extends z.ZodType>(schema: S, value: unknown, location: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = fieldErrors(location, result.error);
    throw new ValidationError(`La solicitud tiene ${errors.length} error(es) de validación; corrija los campos indicados en errors.`, errors);
  }
  return result.data;
}

const BEARER = /^Bearer\s+(\S+)$/i;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How the web application's people reach the API: their session cookie, checked like a key. */
export interface SessionAuth {
  sessions: WebSessionService;
  cookieName: string;
  publicOrigin: string;
}

async function authenticate(ctx: Context, apiKeys: ApiKeyService, web: SessionAuth | undefined): Promise<Actor> {
  const header = ctx.get('authorization');
  const cookie = web && !header ? ctx.cookies.get(web.cookieName) : undefined;
  if (web && cookie) {
    const session = await web.sessions.authenticate(cookie, ctx.state.requestId);
    if (!SAFE_METHODS.has(ctx.method)) {
      const problem = csrfProblem(ctx, web.publicOrigin, session.csrfToken, ctx.get('x-csrf-token'));
      if (problem) throw new ForbiddenError(problem);
    }
    return session.actor;
  }
  if (!header) throw new UnauthorizedError('Falta la clave de API. Envíe el encabezado Authorization: Bearer <clave>.');
  const m = BEARER.exec(header);
  if (!m) throw new UnauthorizedError('El encabezado Authorization debe tener la forma Bearer <clave>.');
  return apiKeys.authenticate(m[1]!, ctx.state.requestId);
}

/** Turns route definitions into a router: authenticate, authorise, validate, then the handler. */
export function buildRouter(routes: RouteDef[], deps: { apiKeys: ApiKeyService; jsonBodyLimit: number; web?: SessionAuth }): Router {
  const router = new Router();
  for (const route of routes) {
    router[route.method](route.path, async (ctx) => {
      let actor: Actor | null = null;
      if (route.auth !== 'public') {
        actor = await authenticate(ctx, deps.apiKeys, deps.web);
        ctx.state.log = ctx.state.log.child({ principalId: actor.principalId, agencyId: actor.agencyId });
        const allowed = route.auth.roles;
        if (allowed.length && !allowed.some((r) => actor!.roles.includes(r))) {
          throw new ForbiddenError(`Esta acción requiere uno de estos roles: ${allowed.join(', ')}. Pida al administrador de su agencia que se lo asigne.`);
        }
      }
      let params: unknown;
      if (route.params) {
        // A malformed id names nothing that can exist: not found, not a validation error.
        const result = route.params.safeParse(ctx.params);
        if (!result.success) throw new NotFoundError(`No existe ${ctx.path}.`);
        params = result.data;
      }
      const query = route.query ? parse(route.query, ctx.query, 'query') : undefined;
      const body = route.body ? parse(route.body, await readJsonBody(ctx, deps.jsonBodyLimit), 'body') : undefined;
      await route.handler(ctx, { params, query, body } as never, actor as Actor);
    });
  }
  return router;
}
