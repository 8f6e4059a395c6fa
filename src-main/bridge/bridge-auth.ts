import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Who may talk to the bridge: a request must name this server by a loopback Host (DNS rebinding),
 * come from our own Origin when it has one (CSRF, cross-site WebSocket hijacking), and carry the
 * per-launch token, by query once or by the HttpOnly SameSite=Strict cookie after that.
 */
export const newToken = (): string => randomBytes(32).toString('base64url'); // 256 bits

export const cookieName = (port: number): string => `baleen_${port}`;

export function tokensEqual(a: string, b: string): boolean {
  // Hash first so lengths match and the comparison time says nothing about the token.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function allowedOrigins(port: number): Set<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export type Verdict =
  | { ok: true; via: 'cookie' | 'query' }
  | { ok: false; status: 401 | 403; reason: string };

export function checkRequest(req: IncomingMessage, url: URL, port: number, token: string): Verdict {
  const host = req.headers.host;
  if (!host || !allowedHosts(port).has(host.toLowerCase())) return { ok: false, status: 403, reason: 'Forbidden: bad Host header.' };
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins(port).has(origin.toLowerCase())) return { ok: false, status: 403, reason: 'Forbidden: foreign Origin.' };
  const q = url.searchParams.get('token');
  if (q !== null && tokensEqual(q, token)) return { ok: true, via: 'query' };
  const c = readCookie(req, cookieName(port));
  if (c !== undefined && tokensEqual(c, token)) return { ok: true, via: 'cookie' };
  return { ok: false, status: 401, reason: 'Unauthorized: open the URL printed by `baleen serve`; it carries the access token.' };
}
