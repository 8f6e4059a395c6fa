import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import { wildcardMatch } from './known-hosts.parser';

/**
 * ~/.ssh/config (ssh_config(5)) read into a tree: each file's lines in order, `Host`/`Match` opening
 * conditional blocks and `Include` holding the files it names. Evaluation against a host is in
 * ssh-config.resolver.ts; this file only reads. Tokenising follows OpenSSH's argv_split: `Key value`
 * or `Key=value`, single/double quotes, backslash escapes, `#` starting a comment token.
 */
export interface ConfigDirective {
  /** Lower-cased keyword. */
  keyword: string;
  args: string[];
  source: string;
  line: number;
}

export type ConfigItem =
  | { kind: 'option'; d: ConfigDirective }
  | { kind: 'host'; d: ConfigDirective }
  | { kind: 'match'; d: ConfigDirective }
  | { kind: 'include'; d: ConfigDirective; files: ConfigFile[] };

export interface ConfigFile {
  path: string;
  items: ConfigItem[];
}

export interface SshConfigFs {
  readText(path: string): Promise<string>;
  /** Entry names of a directory (not paths). */
  listDir(path: string): Promise<string[]>;
}

export const nodeConfigFs: SshConfigFs = {
  readText: (p) => readFile(p, 'utf8'),
  listDir: (p) => readdir(p),
};

const MAX_INCLUDE_DEPTH = 16;
const MAX_FILE_BYTES = 1024 * 1024;

function parseError(source: string, line: number, why: string): BaleenError {
  return new BaleenError('E_PARSE', `${source} line ${line}: ${why}.`, { source, line });
}

/** One config line → keyword and arguments, or null for blank/comment lines. */
export function tokenizeLine(text: string, source: string, line: number): ConfigDirective | null {
  const s = text.replace(/^[ \t]+/, '');
  if (s === '' || s.startsWith('#')) return null;
  const kw = /^([A-Za-z][A-Za-z0-9]*)[ \t]*(?:=[ \t]*|[ \t]+|$)/.exec(s);
  if (!kw) throw parseError(source, line, `cannot read ${JSON.stringify(s.slice(0, 40))}`);
  const args = splitArgs(s.slice(kw[0].length), source, line);
  return { keyword: kw[1]!.toLowerCase(), args, source, line };
}

export function splitArgs(rest: string, source: string, line: number): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < rest.length) {
    while (i < rest.length && (rest[i] === ' ' || rest[i] === '\t')) i++;
    if (i >= rest.length) break;
    if (rest[i] === '#') break;
    let arg = '';
    let quote: '"' | "'" | null = null;
    for (; i < rest.length; i++) {
      const c = rest[i]!;
      if (quote) {
        if (c === quote) quote = null;
        else if (c === '\\' && quote === '"' && (rest[i + 1] === '"' || rest[i + 1] === '\\')) arg += rest[++i];
        else arg += c;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === ' ' || c === '\t') break;
      else if (c === '\\' && i + 1 < rest.length && /[\s"'\\]/.test(rest[i + 1]!)) arg += rest[++i];
      else arg += c;
    }
    if (quote) throw parseError(source, line, 'unterminated quote');
    args.push(arg);
  }
  return args;
}

export interface LoadOptions {
  /** The user's home; `~` and relative Include paths (against ~/.ssh) are resolved with it. */
  home: string;
  fs?: SshConfigFs;
}

/** Reads a config file and everything it includes. A missing top-level file is an empty config. */
export async function loadSshConfig(path: string, opts: LoadOptions): Promise<ConfigFile> {
  const fs = opts.fs ?? nodeConfigFs;
  let text: string;
  try {
    text = await fs.readText(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { path, items: [] };
    throw new BaleenError('E_PARSE', `Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}.`, { source: path });
  }
  return parseSshConfig(text, path, opts, 0, fs);
}

/** Parses config text (Include lines are read through `fs`). */
export async function parseSshConfig(text: string, source: string, opts: LoadOptions, depth = 0, fs: SshConfigFs = opts.fs ?? nodeConfigFs): Promise<ConfigFile> {
  if (text.length > MAX_FILE_BYTES) throw new BaleenError('E_PARSE', `${source} is larger than 1 MiB; that is not an ssh config.`, { source });
  const items: ConfigItem[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const d = tokenizeLine(lines[i]!, source, i + 1);
    if (!d) continue;
    if (d.keyword === 'host') {
      if (d.args.length === 0) throw parseError(source, d.line, 'Host needs at least one pattern');
      items.push({ kind: 'host', d });
    } else if (d.keyword === 'match') {
      if (d.args.length === 0) throw parseError(source, d.line, 'Match needs criteria');
      items.push({ kind: 'match', d });
    } else if (d.keyword === 'include') {
      if (d.args.length === 0) throw parseError(source, d.line, 'Include needs a file');
      if (depth >= MAX_INCLUDE_DEPTH) throw parseError(source, d.line, `Include nested deeper than ${MAX_INCLUDE_DEPTH} (a loop?)`);
      const files: ConfigFile[] = [];
      for (const pattern of d.args) {
        for (const p of await expandInclude(pattern, opts.home, fs)) {
          let sub: string;
          try {
            sub = await fs.readText(p);
          } catch (e) {
            // OpenSSH ignores an Include that matches nothing, but not one it cannot read.
            if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
            throw parseError(source, d.line, `cannot read included ${p} (${(e as NodeJS.ErrnoException).code ?? errorMessage(e)})`);
          }
          files.push(await parseSshConfig(sub, p, opts, depth + 1, fs));
        }
      }
      items.push({ kind: 'include', d, files });
    } else items.push({ kind: 'option', d });
  }
  return { path: source, items };
}

export function expandTilde(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return p;
}

/** Include's path rules: `~` is home, a relative path is under ~/.ssh, and glob(3) wildcards expand (sorted). */
export async function expandInclude(pattern: string, home: string, fs: SshConfigFs): Promise<string[]> {
  let p = expandTilde(pattern, home);
  if (!isAbsolute(p)) p = join(home, '.ssh', p);
  if (!/[*?[]/.test(p)) return [p];
  const parts = p.split('/').filter((x, i) => x !== '' || i === 0);
  let bases = ['/'];
  for (const part of parts.slice(1)) {
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?[]/.test(part)) {
        next.push(posix.join(base, part));
        continue;
      }
      let names: string[];
      try {
        names = await fs.listDir(base);
      } catch {
        continue;
      }
      // glob(3): wildcards do not match a leading dot.
      for (const n of names.sort()) if (!n.startsWith('.') && globMatch(n, part)) next.push(posix.join(base, n));
    }
    bases = next;
  }
  return bases;
}

/** `*`, `?` and `[...]` classes within one path component. */
function globMatch(name: string, pattern: string): boolean {
  if (!pattern.includes('[')) return wildcardMatch(name, pattern);
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.').replace(/\[!/g, '[^');
  try {
    return new RegExp(`^${re}$`).test(name);
  } catch {
    return false;
  }
}
