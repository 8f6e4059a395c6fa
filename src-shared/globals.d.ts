/** Injected at build time from package.json (vite `define`). */
declare const __BALEEN_VERSION__: string;
