/** Baleen's version, injected at build time; `dev` when run from sources without the bundler (tsx, Playwright). */
export const APP_VERSION: string = typeof __BALEEN_VERSION__ === 'string' ? __BALEEN_VERSION__ : 'dev';
