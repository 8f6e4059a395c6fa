import { useSyncExternalStore } from 'react';

/**
 * Hash routing without a router dependency: the path after `#`, always starting with `/`.
 * Hash routes work alike from `http://127.0.0.1:PORT/` and `app://baleen/` and never hit the server.
 */
export function pathOfHash(hash: string): string {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw === '' || raw === '/') return '/';
  return raw.startsWith('/') ? raw : `/${raw}`;
}

/** Split a path into decoded segments; undefined when a segment is not valid percent-encoding. */
export function segmentsOf(path: string): string[] | undefined {
  try {
    return path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useHashPath(): string {
  return useSyncExternalStore(
    subscribe,
    () => pathOfHash(window.location.hash),
    () => '/',
  );
}

export function navigate(href: string): void {
  window.location.hash = href.startsWith('#') ? href.slice(1) : href;
}
