import Koa from 'koa';
import type { Knex } from 'knex';
import type { Logger } from '../logger.ts';
import type { Services } from '../services.ts';
import type { ObjectStore } from '../../storage/ObjectStore.ts';
import type { Config } from '../config.ts';
import { documentRoutes } from './routes/documentRoutes.ts';
import { caseFileRoutes } from './routes/caseFileRoutes.ts';
import { authorizedCopyRoutes } from './routes/authorizedCopyRoutes.ts';
import { communicationRoutes } from './routes/communicationRoutes.ts';
import { searchRoutes } from './routes/searchRoutes.ts';
import { digitizationRoutes } from './routes/digitizationRoutes.ts';
import { systemClock, type Clock } from '../clock.ts';
import { buildRouter } from './buildRouter.ts';
import { docsPage } from './docsPage.ts';
import { problemDetails } from './middleware/problemDetails.ts';
import { requestContext } from './middleware/requestContext.ts';
import { securityHeaders } from './middleware/securityHeaders.ts';
import { buildOpenApi } from './openapi.ts';
import type { RouteDef } from './route.ts';
import { adminRoutes } from './routes/adminRoutes.ts';
import { auditRoutes } from './routes/auditRoutes.ts';
import { systemRoutes, type ReadinessChecks } from './routes/systemRoutes.ts';
import { webhookRoutes } from './routes/webhookRoutes.ts';
import { fixityRoutes } from './routes/fixityRoutes.ts';
import { packageRoutes } from './routes/packageRoutes.ts';
import { archiveRoutes } from './routes/archiveRoutes.ts';
import { transferRoutes } from './routes/transferRoutes.ts';
import { fixedWindowLimiter } from './fixedWindowLimiter.ts';
import { webNotFound, webRoutes } from '../web/webRoutes.ts';
import type { WebSetup } from '../web/webSetup.ts';
import { cookieJar } from '../web/sessionCookie.ts';

export interface AppDeps {
  log: Logger;
  knex: Knex;
  services: Services;
  store: ObjectStore;
  documentLimits: Config['documents'];
  readiness: ReadinessChecks;
  jsonBodyLimit: number;
  version: string;
  /** Lookups per minute and address on /verify/{code}. */
  verifyRateLimit: number;
  clock?: Clock;
  /** People's sign-in (webSetup); without it the web pages are served but nobody can sign in. */
  web?: WebSetup;
}

/** Sign-ins one address may start per minute: plenty for a shared desk, few for a script filling the login table. */
const SIGN_INS_PER_MINUTE = 30;

const NO_SIGN_IN: WebSetup = { cookies: cookieJar(true), publicOrigin: 'null', sessionTtlMs: 8 * 3_600_000, login: null, providerName: 'ClaveÚnica', devOidc: null };

/** Builds the HTTP app from its dependencies; main wires and listens, tests drive app.callback(). */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  // Errors are logged by problemDetails with the request id; Koa's default stderr printing would duplicate them.
  app.silent = true;

  const web = deps.web ?? NO_SIGN_IN;
  const verifyLimiter = fixedWindowLimiter(deps.verifyRateLimit, deps.clock ?? systemClock, 'consultas de verificación');
  const loginLimiter = fixedWindowLimiter(SIGN_INS_PER_MINUTE, deps.clock ?? systemClock, 'solicitudes de ingreso');
  let openapi: Record<string, unknown> | undefined;
  const routes: RouteDef[] = [
    ...systemRoutes(deps.readiness, () => (openapi ??= buildOpenApi(routes, { version: deps.version })), [() => deps.services.fixity.metrics()]),
    ...adminRoutes(deps.services),
    ...auditRoutes(deps.services, deps.knex),
    ...documentRoutes({ services: deps.services, store: deps.store, knex: deps.knex, limits: deps.documentLimits }),
    ...caseFileRoutes({ services: deps.services, store: deps.store, knex: deps.knex, limits: deps.documentLimits }),
    ...communicationRoutes(deps.services),
    ...searchRoutes(deps.services),
    ...digitizationRoutes({ services: deps.services, store: deps.store, knex: deps.knex, limits: deps.documentLimits }),
    ...authorizedCopyRoutes(deps.services, verifyLimiter),
    ...webhookRoutes(deps.services),
    ...fixityRoutes(deps.services),
    ...packageRoutes(deps.services, deps.documentLimits),
    ...archiveRoutes(deps.services, deps.store),
    ...transferRoutes(deps.services),
  ];
  const router = buildRouter(routes, {
    apiKeys: deps.services.apiKeys,
    jsonBodyLimit: deps.jsonBodyLimit,
    web: { sessions: deps.services.webSessions, cookieName: web.cookies.sessionName, publicOrigin: web.publicOrigin },
  });
  const pages = webRoutes({ ...web, services: deps.services, routes, verifyLimiter, loginLimiter });

  app.use(requestContext(deps.log));
  // The development identity provider answers in its own way (OAuth errors, its own pages), not with problem documents.
  if (web.devOidc) app.use(web.devOidc);
  app.use(problemDetails());
  app.use(securityHeaders());
  app.use(docsPage());
  app.use(webNotFound());
  app.use(pages.routes());
  app.use(router.routes());
  // Sets 405/501 with Allow and no body; problemDetails turns that into a problem document.
  app.use(router.allowedMethods());
  return app;
}
