import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { checkDestination, type ResolveHost } from '../webhooks/webhookDestination.ts';
import type { LinkHasher } from './CaseFileAdapters.ts';

/**
 * Hashes what a persistent link serves, when it answers 200 within the time and size bounds; otherwise the entry
 * is recorded without a hash (the norm asks for the hash "when reachable"). Redirects are not followed, so the
 * hash is always of the URI recorded. Hosts are checked as webhook destinations are: a link to a private or
 * reserved address (loopback too, in production) is never fetched.
 */
export function fetchLinkHasher(limits: { timeoutMs: number; maxBytes: number }, log: Logger, destinations: { allowLoopback: boolean; resolve: ResolveHost }): LinkHasher {
  return {
    async sha256(uri) {
      if (limits.timeoutMs === 0) return null;
      const destination = await checkDestination(new URL(uri), destinations);
      if (!destination.ok) {
        log.info({ uri, reason: destination.reason }, 'enlace persistente no consultado; se registra sin hash');
        return null;
      }
      try {
        const res = await fetch(uri, { redirect: 'manual', signal: AbortSignal.timeout(limits.timeoutMs) });
        if (res.status !== 200 || !res.body) {
          await res.body?.cancel();
          return null;
        }
        const hash = createHash('sha256');
        const reader = res.body.getReader();
        for (let size = 0; ; ) {
          const { done, value } = await reader.read();
          if (done) return hash.digest('hex');
          size += value.length;
          if (size > limits.maxBytes) {
            await reader.cancel();
            return null;
          }
          hash.update(value);
        }
      } catch (err) {
        log.info({ uri, err: (err as Error).message }, 'enlace persistente no alcanzable; se registra sin hash');
        return null;
      }
    },
  };
}
