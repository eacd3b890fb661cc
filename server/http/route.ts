import type { Context } from 'koa';
import { z } from 'zod';
import type { Actor } from '../features/principals/Actor.ts';
import type { Role } from '../features/principals/roles.ts';

export type Method = 'get' | 'post' | 'patch' | 'delete';

type AnyObject = z.ZodObject<z.ZodRawShape>;
type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P, Q, B> {
  params: Infer<P>;
  query: Infer<Q>;
  body: Infer<B>;
}

/**
 * One route: its contract (schemas, roles, responses) and its handler. The router, request validation and
 * /openapi.json are all built from these, so the documentation cannot drift from what is enforced.
 */
export interface RouteDef<P extends AnyObject | undefined = AnyObject | undefined, Q extends AnyObject | undefined = AnyObject | undefined, B extends z.ZodType | undefined = z.ZodType | undefined> {
  method: Method;
  /** Koa-style path, e.g. `/v1/api-keys/:id/revoke`. */
  path: string;
  summary: string;
  tag: string;
  /** `public`: no key needed. Otherwise the roles any one of which allows the call (empty = any authenticated principal). */
  auth: 'public' | { roles: readonly Role[] };
  params?: P;
  query?: Q;
  body?: B;
  /** multipart/form-data parts (name → description), read by the handler itself; documented in OpenAPI. */
  upload?: Record<string, string>;
  /** A raw (non-multipart) body the handler streams itself, e.g. a tar package; documented in OpenAPI. */
  rawBody?: { mediaTypes: string[]; description: string };
  /** Documented success responses; error responses are added from the auth and input settings. */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  handler: (ctx: Context, input: RouteInput<P, Q, B>, actor: Actor) => Promise<void>;
}

export function defineRoute<P extends AnyObject | undefined = undefined, Q extends AnyObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  def: RouteDef<P, Q, B>,
): RouteDef {
  return def as unknown as RouteDef;
}

/** Ids are UUIDs; anything else cannot exist, so it is a 404 rather than a database error. */
export const idParams = z.strictObject({ id: z.uuid() });

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
};

/** An instant with its offset, compared as a time (two offsets can order differently from their strings). */
const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

export const dateRangeQuery = { from: instant.optional(), to: instant.optional() };

/** Arguments for `.refine` on a query that spreads dateRangeQuery. */
export const fromBeforeTo: [(q: { from?: Date | undefined; to?: Date | undefined }) => boolean, { path: string[]; message: string }] = [
  (q) => !q.from || !q.to || q.from < q.to,
  { path: ['to'], message: 'debe ser posterior a from' },
];
