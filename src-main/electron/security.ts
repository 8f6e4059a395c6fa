import type { HandlerDetails, Session, WebPreferences } from 'electron';

/**
 * Electron hardening (RELIABILITY SEC-E): the one set of web preferences every window gets, what the
 * app origin is, where navigation and new windows may go, and the permission policy. Pure functions of
 * plain values so they are unit-tested under Node with no Electron binary.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'baleen';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** Hosts whose https pages may open in the user's browser (help links). */
export const EXTERNAL_ALLOWLIST = new Set(['www.mongodb.com', 'github.com']);

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

/**
 * `scheme://host` of a URL, lowercased. Computed here because WHATWG URL (as Node implements it) gives
 * non-special schemes such as app: the origin "null", while Chromium treats our registered scheme as standard.
 */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.host === '' ? null : `${u.protocol}//${u.host}`.toLowerCase();
  } catch {
    return null;
  }
}

/** True only for our own origin, compared as a parsed origin (never a string prefix). */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.username === '' && u.password === '' && originOf(url) === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** An https URL on the allowlist may go to the system browser; nothing else leaves the app. */
export function externalUrlAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.username === '' && u.password === '' && EXTERNAL_ALLOWLIST.has(u.hostname);
  } catch {
    return false;
  }
}

export interface NavigationEvent {
  preventDefault(): void;
}

/** `will-navigate` / `will-redirect`: staying inside the app origin is fine, leaving it never is. */
export function guardNavigation(event: NavigationEvent, url: string, openExternal: (url: string) => void): void {
  if (isAppUrl(url)) return;
  event.preventDefault();
  if (externalUrlAllowed(url)) openExternal(url);
}

/** `setWindowOpenHandler`: no new Electron windows, ever; allowed links open in the system browser. */
export function windowOpenHandler(openExternal: (url: string) => void) {
  return (details: Pick<HandlerDetails, 'url'>): { action: 'deny' } => {
    if (externalUrlAllowed(details.url)) openExternal(details.url);
    return { action: 'deny' };
  };
}

/** SEC-E6: Baleen needs no camera, location, notifications or clipboard reads from the page. */
export function denyAllPermissions(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
