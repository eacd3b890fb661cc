import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

/** An agency system on loopback: records every POST and answers with whatever `respond` says for the nth one. */
export interface WebhookReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Status for the nth request (from 0); `'hang'` never answers. Replaceable while running. */
  respond: (n: number) => number | 'hang';
  close(): Promise<void>;
}

/** A port nobody listens on (yet): connecting to it is refused until a receiver starts there. */
export async function unusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startWebhookReceiver(respond: WebhookReceiver['respond'] = () => 200, port = 0): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const receiver: WebhookReceiver = { url: '', port: 0, requests, respond, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = receiver.respond(requests.length);
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status: answer === 'hang' ? 0 : answer });
      if (answer === 'hang') return;
      res.statusCode = answer;
      res.end(answer < 300 ? 'ok' : 'error');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/legajo/eventos`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/**
 * What the README tells receivers to do: split `t=…,v1=…`, recompute HMAC-SHA256 with the secret (as shown, UTF-8)
 * over `<t>.<raw body>`, compare in constant time, and refuse timestamps more than five minutes away.
 */
export function verifyLegajoSignature(secret: string, header: string | undefined, rawBody: string, nowSeconds: number): boolean {
  if (!header) return false;
  const fields = new Map(header.split(',').map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)] as const));
  const t = fields.get('t');
  const v1 = fields.get('v1');
  if (!t || !v1 || !/^\d+$/.test(t) || Math.abs(nowSeconds - Number(t)) > 300) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex'));
  const given = Buffer.from(v1);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
