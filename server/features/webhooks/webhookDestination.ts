import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ADDRESS_CLASS_LABEL, classifyAddress } from './addressClass.ts';

/** Every address a host name resolves to (an adapter, so tests can point a name at a private address). */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export const dnsResolveHost: ResolveHost = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export type Destination =
  | { ok: true; addresses: string[] }
  /** `permanent`: trying again cannot help (a refused address), as opposed to a name that did not resolve now. */
  | { ok: false; reason: string; permanent: boolean };

/** A webhook URL as legajo accepts it, or why not: http(s) only, and no credentials (lists show the URL). */
export function webhookUrlProblem(url: URL): string | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `el esquema ${url.protocol.replace(/:$/, '')} no está permitido; use http o https`;
  if (url.username || url.password) return 'el URL no debe incluir usuario ni contraseña: la firma Legajo-Signature autentica a legajo ante el receptor';
  return null;
}

/**
 * Resolves the URL's host and accepts it only when every address is public (loopback too, outside production).
 * Every address, not just the first: the connection may use any of them. The caller connects to exactly the
 * addresses returned, so a name that resolves differently a moment later (DNS rebinding) cannot slip through.
 */
export async function checkDestination(url: URL, opts: { allowLoopback: boolean; resolve: ResolveHost }): Promise<Destination> {
  const problem = webhookUrlProblem(url);
  if (problem) return { ok: false, reason: problem, permanent: true };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await opts.resolve(host);
    } catch (err) {
      return { ok: false, reason: `no se pudo resolver el host ${host} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, permanent: false };
    }
    if (!addresses.length) return { ok: false, reason: `el host ${host} no resuelve a ninguna dirección`, permanent: false };
  }
  for (const address of addresses) {
    const cls = classifyAddress(address);
    if (cls === 'public' || (cls === 'loopback' && opts.allowLoopback)) continue;
    const via = address === host ? `${host} es` : `el host ${host} resuelve a ${address},`;
    return {
      ok: false,
      reason: `${via} una dirección ${ADDRESS_CLASS_LABEL[cls]}; los webhooks solo pueden apuntar a direcciones públicas`,
      permanent: true,
    };
  }
  return { ok: true, addresses };
}
