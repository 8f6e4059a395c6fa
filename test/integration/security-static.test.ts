// Static security checks: the page's CSP (SEC-E5) and dependency hygiene (SEC-E9).
import { readFileSync } from 'node:fs';
import { CSP } from '../../src-main/bridge';

describe('SEC-E5: the page CSP', () => {
  const html = readFileSync('src-renderer/index.html', 'utf8');
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
  const directives = new Map(
    (meta?.[1] ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((p) => p[0])
      .map((p) => [p[0]!, p.slice(1)] as const),
  );

  it('has a meta CSP with a restrictive default-src', () => {
    expect(meta).not.toBeNull();
    expect(["'none'", "'self'"]).toContain(directives.get('default-src')?.[0]);
  });

  it("allows scripts only from 'self', with no unsafe-eval or unsafe-inline", () => {
    const script = directives.get('script-src') ?? directives.get('default-src')!;
    expect(script).toEqual(["'self'"]);
  });

  it('has no remote origin in connect-src', () => {
    const connect = directives.get('connect-src') ?? directives.get('default-src')!;
    for (const source of connect) expect(source, source).toMatch(/^'(self|none)'$/);
  });

  it('is the same policy the bridge and the app:// protocol send as a header (plus frame-ancestors, which a meta tag cannot carry)', () => {
    expect(CSP).toBe(`${meta![1]}; frame-ancestors 'none'`);
  });

  it('loads no remote resources from the page', () => {
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });
});

describe('SEC-E9: dependency hygiene', () => {
  it('has no keytar, node-keytar, @electron/remote or electron-remote in the lockfile', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, unknown> };
    const names = Object.keys(lock.packages).map((p) => p.replace(/^.*node_modules\//, ''));
    for (const banned of ['keytar', 'node-keytar', '@electron/remote', 'electron-remote']) expect(names, banned).not.toContain(banned);
  });
});
