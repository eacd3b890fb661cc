import { ForbiddenError } from '../errors.ts';
import type { Method, RouteDef } from '../http/route.ts';
import type { Actor } from '../features/principals/Actor.ts';

/**
 * What a person may do, read off the API's own route definitions: a page or button that uses an API call is
 * shown or allowed exactly when the API would allow that call, so the web can never grant more than the API.
 */
export interface Permissions {
  call(method: Method, path: string): boolean;
  /** Throws 403 (with the roles needed) when the API would refuse the call. */
  require(method: Method, path: string): void;
}

export function permissionsFor(routes: readonly RouteDef[], actor: Actor): Permissions {
  const rolesOf = (method: Method, path: string) => {
    const route = routes.find((r) => r.method === method && r.path === path);
    if (!route) throw new Error(`la ruta ${method.toUpperCase()} ${path} no existe en la API`);
    return route.auth === 'public' ? [] : route.auth.roles;
  };
  const call = (method: Method, path: string) => {
    const roles = rolesOf(method, path);
    return roles.length === 0 || roles.some((r) => actor.roles.includes(r));
  };
  return {
    call,
    require(method, path) {
      if (!call(method, path)) {
        throw new ForbiddenError(`Esta página requiere uno de estos roles: ${rolesOf(method, path).join(', ')}. Pida al administrador de su agencia que se lo asigne.`);
      }
    },
  };
}
