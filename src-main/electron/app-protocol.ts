import { readFile } from 'node:fs/promises';
import { contentType, resolveStatic, SECURITY_HEADERS } from '../bridge';
import { APP_SCHEME, isAppUrl } from './security';

/**
 * The app page loads from the privileged `app://baleen/` scheme rather than `file://`, so the renderer
 * has a real origin for the IPC sender check and the CSP's 'self'.
 */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: true },
};

export function appProtocolHandler(root: string, read: (path: string) => Promise<Buffer> = readFile) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (!isAppUrl(request.url)) return new Response('Not found', { status: 404 });
    const file = resolveStatic(root, url.pathname);
    if (file === null) return new Response('Not found', { status: 404 });
    try {
      const body = await read(file);
      return new Response(new Uint8Array(body), { status: 200, headers: { ...SECURITY_HEADERS, 'Content-Type': contentType(file) } });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  };
}
