import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { parseRun } from '../../../standards/chile/run.ts';
import type { Clock } from '../../clock.ts';
import { ForbiddenError, UnauthorizedError } from '../../errors.ts';
import type { AuditService } from '../audit/auditService.ts';
import type { Actor } from '../principals/Actor.ts';
import type { Role } from '../principals/roles.ts';

/** A signed-in person, as every web page and cookie-authenticated API call sees them. */
export interface WebSession {
  actor: Actor;
  name: string;
  run: string;
  agencyName: string;
  csrfToken: string;
}

/** An agency where a person (by RUN) may act, as the principal they would act as. */
export interface AgencyChoice {
  principalId: string;
  code: string;
  name: string;
}

/** What the provider's callback must match: kept server-side, keyed by the login cookie. */
export interface LoginChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

const LOGIN_TTL_MS = 10 * 60_000;
/** Sessions are kept this long after they end or expire (the audit log keeps sign-in and sign-out for good). */
const ENDED_SESSION_KEPT_MS = 30 * 24 * 3_600_000;

const random = () => randomBytes(32).toString('base64url');
const hash = (value: string) => createHash('sha256').update(value).digest('hex');

/** Only a path of this application may follow sign-in; anything else would be an open redirect. */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : '/';
}

export class WebSessionService {
  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** Starts a sign-in: returns the login cookie value and the checks to send to the provider. */
  async beginLogin(checks: LoginChecks): Promise<string> {
    const cookie = random();
    const now = this.clock.now();
    await this.knex('web_logins').where('expires_at', '<', now).delete();
    await this.knex('web_logins').insert({
      id_hash: hash(cookie),
      state: checks.state,
      nonce: checks.nonce,
      code_verifier: checks.codeVerifier,
      return_to: safeReturnPath(checks.returnTo),
      expires_at: new Date(now.getTime() + LOGIN_TTL_MS),
    });
    return cookie;
  }

  /** The checks of a sign-in under way, used once: a replayed callback finds nothing. */
  async takeLogin(cookie: string | undefined): Promise<LoginChecks | null> {
    if (!cookie) return null;
    const [row] = await this.knex('web_logins').where({ id_hash: hash(cookie) }).delete().returning('*');
    if (!row || new Date(row.expires_at) <= this.clock.now()) return null;
    return { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier, returnTo: row.return_to };
  }

  /**
   * Opens a session for the person the provider vouched for, found by RUN among the enabled person principals: the
   * one asked for (switching agency), else the oldest.
   */
  async open(input: { run: string; requestId: string | null; principalId?: string }): Promise<{ token: string; session: WebSession }> {
    const parsed = parseRun(input.run);
    if (!parsed.ok) throw new ForbiddenError(`El proveedor de identidad entregó un RUN inválido (${parsed.reason}). Contacte a soporte.`);
    const q = this.knex('principals').where({ run: parsed.normalized, kind: 'person' }).whereNull('disabled_at').orderBy('created_at');
    if (input.principalId) q.andWhere({ id: input.principalId });
    const principal = await q.first();
    if (!principal) {
      throw new ForbiddenError(`El RUN ${parsed.normalized} no está habilitado en ninguna agencia de legajo. Pida al administrador de su agencia que lo registre con sus roles.`);
    }
    const token = random();
    const now = this.clock.now();
    await this.knex.transaction(async (trx) => {
      // Each sign-in clears out long-finished sessions, so the table holds about a month of them.
      const cutoff = new Date(now.getTime() - ENDED_SESSION_KEPT_MS);
      await trx('web_sessions').where('expires_at', '<', cutoff).orWhere('ended_at', '<', cutoff).delete();
      await trx('web_sessions').insert({
        token_hash: hash(token),
        principal_id: principal.id,
        agency_id: principal.agency_id,
        csrf_token: random(),
        created_at: now,
        expires_at: new Date(now.getTime() + this.ttlMs),
      });
      await this.audit.append(trx, {
        agencyId: principal.agency_id,
        actorId: principal.id,
        requestId: input.requestId,
        action: 'session.open',
        targetType: 'principal',
        targetId: principal.id,
        data: { run: parsed.normalized },
      });
    });
    return { token, session: await this.authenticate(token, input.requestId) };
  }

  async authenticate(token: string, requestId: string | null): Promise<WebSession> {
    const row = await this.knex('web_sessions as s')
      .join('principals as p', 'p.id', 's.principal_id')
      .join('agencies as a', 'a.id', 's.agency_id')
      .where('s.token_hash', hash(token))
      .first('s.csrf_token', 's.expires_at', 's.ended_at', 'p.id as principal_id', 'p.name', 'p.run', 'p.roles', 'p.disabled_at', 'a.id as agency_id', 'a.code as agency_code', 'a.name as agency_name');
    if (!row || row.ended_at) throw new UnauthorizedError('Su sesión terminó. Vuelva a ingresar.');
    if (new Date(row.expires_at) <= this.clock.now()) throw new UnauthorizedError('Su sesión expiró. Vuelva a ingresar.');
    if (row.disabled_at) throw new UnauthorizedError('Su cuenta fue deshabilitada. Contacte al administrador de su agencia.');
    return {
      actor: { principalId: row.principal_id, agencyId: row.agency_id, agencyCode: row.agency_code, roles: row.roles as Role[], requestId },
      name: row.name,
      run: row.run,
      agencyName: row.agency_name,
      csrfToken: row.csrf_token,
    };
  }

  /**
   * Every agency where this person (the same RUN) may act, theirs included. Read by pages only, not by every
   * cookie-authenticated API call.
   */
  agenciesOf(run: string): Promise<AgencyChoice[]> {
    return this.knex('principals as p')
      .join('agencies as a', 'a.id', 'p.agency_id')
      .where({ 'p.run': run, 'p.kind': 'person' })
      .whereNull('p.disabled_at')
      .orderBy('a.code')
      .select('p.id as principalId', 'a.code', 'a.name');
  }

  /** Moves a signed-in person to another agency where the same RUN is enabled: this session ends, a new one opens. */
  async switchAgency(token: string, principalId: string, requestId: string | null): Promise<{ token: string; session: WebSession }> {
    const current = await this.authenticate(token, requestId);
    if (!(await this.agenciesOf(current.run)).some((a) => a.principalId === principalId)) {
      throw new ForbiddenError('Usted no está habilitado en esa agencia. Elija una de la lista o pida al administrador de esa agencia que lo registre.');
    }
    await this.close(token, requestId);
    return this.open({ run: current.run, requestId, principalId });
  }

  /** Ends the session for good; returns it, or null if it was not open. */
  async close(token: string, requestId: string | null): Promise<WebSession | null> {
    const session = await this.authenticate(token, requestId).catch(() => null);
    if (!session) return null;
    await this.knex.transaction(async (trx) => {
      await trx('web_sessions').where({ token_hash: hash(token) }).update({ ended_at: this.clock.now() });
      await this.audit.append(trx, {
        agencyId: session.actor.agencyId,
        actorId: session.actor.principalId,
        requestId,
        action: 'session.close',
        targetType: 'principal',
        targetId: session.actor.principalId,
        data: {},
      });
    });
    return session;
  }
}
