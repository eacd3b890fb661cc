import * as client from 'openid-client';
import type { LoginChecks } from '../features/webSessions/webSessionService.ts';
import { UnauthorizedError } from '../errors.ts';

/** The OpenID Connect relying party: the only part of the web application that talks to the identity provider. */
export interface OidcLogin {
  /** Where to send the browser to sign in, and what its return must match. */
  start(returnTo: string): Promise<{ url: URL; checks: LoginChecks }>;
  /** Redeems the code the provider sent back and returns who signed in. */
  finish(callbackUrl: URL, checks: LoginChecks): Promise<{ run: string }>;
}

export interface OidcLoginSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  redirectUri: string;
}

/**
 * The RUN as ClaveÚnica gives it (`RolUnico: {numero, DV}` in the userinfo answer), or as a plain `run` claim,
 * which agency providers and the development provider may use instead.
 */
export function runFromClaims(claims: Record<string, unknown>): string | null {
  const rolUnico = claims.RolUnico as { numero?: unknown; DV?: unknown } | undefined;
  if (rolUnico && rolUnico.numero !== undefined && rolUnico.DV !== undefined) return `${String(rolUnico.numero)}-${String(rolUnico.DV)}`;
  return typeof claims.run === 'string' ? claims.run : null;
}

export function openIdLogin(settings: OidcLoginSettings): OidcLogin {
  let discovered: Promise<client.Configuration> | null = null;
  // Discovered on first use, not at boot: the provider may start after legajo (the development one runs inside it).
  const configuration = () =>
    (discovered ??= client
      .discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined, {
        // Plain http only for a development issuer; configuration refuses it in production.
        ...(settings.issuer.startsWith('http:') ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .catch((err: unknown) => {
        discovered = null;
        throw err;
      }));

  return {
    async start(returnTo) {
      const config = await configuration();
      const checks: LoginChecks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier(), returnTo };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: settings.scopes,
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
        // Desks are shared: after "Salir", the next person must sign in, not inherit the provider's session.
        prompt: 'login',
      });
      return { url, checks };
    },

    async finish(callbackUrl, checks) {
      const config = await configuration();
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const sub = tokens.claims()?.sub;
      if (!sub) throw new UnauthorizedError('El proveedor de identidad no entregó un identificador de la persona. Intente ingresar de nuevo.');
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, sub);
      const run = runFromClaims({ ...tokens.claims(), ...userinfo });
      if (!run) throw new UnauthorizedError('El proveedor de identidad no entregó su RUN. Autorice el acceso a su RUN e intente de nuevo.');
      return { run };
    },
  };
}
