import http from 'node:http';
import https from 'node:https';
import { isIPv6, type LookupFunction } from 'node:net';

/** Answers name lookups with addresses already checked, so the socket goes exactly where the check allowed. */
function pinnedLookup(addresses: string[]): LookupFunction {
  const entries = addresses.map((address) => ({ address, family: isIPv6(address) ? 6 : 4 }));
  return (_hostname, options, callback) => {
    if (options.all) callback(null, entries);
    else callback(null, entries[0]!.address, entries[0]!.family);
  };
}

/**
 * POSTs a body and resolves with the status once the answer has been read in full. Redirects are not followed
 * (a 3xx is a failed try: a redirect could lead to an address that was never checked); no connection is reused.
 */
export function postWebhook(url: URL, opts: { addresses: string[]; headers: Record<string, string>; body: string; signal: AbortSignal }): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...opts.headers, 'Content-Length': String(Buffer.byteLength(opts.body)) },
        lookup: pinnedLookup(opts.addresses),
        agent: false,
        signal: opts.signal,
      },
      (res) => {
        res.on('error', reject);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('close', () => {
          if (!res.complete) reject(new Error('la respuesta se cortó antes de terminar'));
        });
        res.resume();
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
