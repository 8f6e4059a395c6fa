import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BaleenError } from '../../../src-shared/domain/errors';
import { compareFtdcFileNames, isFtdcFileName, MAX_ARCHIVE_MEMBER_BYTES } from '../ftdc';
import type { Clock } from '../ports/clock';
import { defineExecTemplate, execAllowlisted, type ExecSessionSource } from '../tunnels/exec-allowlist';

/**
 * A node's diagnostic.data fetched over SSH with allowlisted commands only (SEC-S6): `find` lists
 * the metrics.* files with their sizes, `base64` streams each one (exec output is text; base64
 * survives it byte for byte). Remote names are checked before use, sizes are capped, and what
 * arrives is checked against the listed size, so a server cannot make Baleen write outside the
 * destination folder or read without bound.
 */
const ABS_DIR = { arg: 'dir', pattern: /^\/[^\0\n]*$/, maxLength: 1024 } as const;
const ABS_FILE = { arg: 'file', pattern: /^\/[^\0\n]*\/metrics\.[A-Za-z0-9._:-]+$/, maxLength: 1200 } as const;

export const FTDC_LIST_TEMPLATE = defineExecTemplate('ftdc.list', ['find', ABS_DIR, '-maxdepth', '1', '-type', 'f', '-name', 'metrics.*', '-printf', '%s %T@ %f\\n']);
export const FTDC_READ_TEMPLATE = defineExecTemplate('ftdc.read', ['base64', ABS_FILE]);

/** A remote file name we write locally as is: mongod's own names only. */
const SAFE_NAME = /^metrics\.[A-Za-z0-9._:-]{1,200}$/;
const MAX_FILES = 2000;

export interface RemoteFtdcFile {
  name: string;
  bytes: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
}

export interface SshFetchOptions {
  clock: Clock;
  signal?: AbortSignal;
  /** Per command; reading a file gets this plus a second per MB. */
  deadlineMs?: number;
}

const dirOf = (remoteDir: string) => remoteDir.replace(/\/+$/, '') || '/';

/** The line of a command's stderr that says what went wrong (banners and sshd debug lines come first on some hosts). */
function reasonOf(stderr: string, about: string, fallback: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^debug\d?:/.test(l));
  return (lines.find((l) => l.includes(about)) ?? lines[lines.length - 1] ?? fallback).slice(0, 300);
}

/** The metrics.* files in a remote diagnostic.data folder, in time order, with their sizes. */
export async function listRemoteFtdc(session: ExecSessionSource, remoteDir: string, o: SshFetchOptions): Promise<RemoteFtdcFile[]> {
  const dir = dirOf(remoteDir);
  const r = await execAllowlisted(session, FTDC_LIST_TEMPLATE, { dir }, { clock: o.clock, deadlineMs: o.deadlineMs ?? 20_000, maxOutputBytes: 512 * 1024, ...(o.signal ? { signal: o.signal } : {}) });
  if (r.exitCode !== 0) {
    const why = reasonOf(r.stderr, dir, `exit status ${r.exitCode ?? r.exitSignal}`);
    throw new BaleenError(/No such file|not found/i.test(why) ? 'E_NOT_FOUND' : /Permission denied/i.test(why) ? 'E_NOT_AUTHORIZED' : 'E_UNSUPPORTED', `Cannot list ${dir} on the host: ${why}`, { remoteDir: dir });
  }
  if (r.truncated) throw new BaleenError('E_UNSUPPORTED', `${dir} lists more files than Baleen reads over SSH.`, { remoteDir: dir });
  const files: RemoteFtdcFile[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(\d{1,15}) (\d{1,12})(?:\.\d+)? (\S+)$/.exec(line.trim());
    if (!m) continue;
    const name = m[3]!;
    if (!SAFE_NAME.test(name) || !isFtdcFileName(name)) continue;
    files.push({ name, bytes: Number(m[1]), mtime: Number(m[2]) * 1000 });
  }
  if (files.length > MAX_FILES) throw new BaleenError('E_UNSUPPORTED', `${dir} holds ${files.length} metrics files; Baleen fetches at most ${MAX_FILES}.`);
  if (files.length === 0) throw new BaleenError('E_NOT_FOUND', `There are no metrics.* files in ${dir} on the host.`, { remoteDir: dir });
  return files.sort((a, b) => compareFtdcFileNames(a.name, b.name));
}

/**
 * Copies the listed files into `destDir` (which must exist and be Baleen's own) and returns their
 * local paths. metrics.interim is rewritten by mongod as it runs: its size may differ from the
 * listing, which is accepted for it alone.
 */
export async function fetchRemoteFtdc(
  session: ExecSessionSource,
  remoteDir: string,
  files: readonly RemoteFtdcFile[],
  destDir: string,
  o: SshFetchOptions & { onFile?: (done: number, total: number, name: string) => void },
): Promise<string[]> {
  const dir = dirOf(remoteDir);
  await mkdir(destDir, { recursive: true, mode: 0o700 });
  const out: string[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    if (o.signal?.aborted) throw new BaleenError('E_CANCELLED', 'Fetching diagnostic.data was cancelled.');
    if (!SAFE_NAME.test(f.name)) throw new BaleenError('E_INVALID_INPUT', `Refusing the remote file name ${JSON.stringify(f.name.slice(0, 80))}.`);
    if (f.bytes > MAX_ARCHIVE_MEMBER_BYTES) throw new BaleenError('E_UNSUPPORTED', `${f.name} is ${f.bytes} bytes, over the ${MAX_ARCHIVE_MEMBER_BYTES} limit.`);
    o.onFile?.(i, files.length, f.name);
    const interim = f.name === 'metrics.interim';
    // base64 is 4/3 of the bytes plus a newline every 76 characters; interim files may have grown a little.
    const cap = Math.ceil((f.bytes * 4) / 3 + f.bytes / 57 + 4096) + (interim ? 1024 * 1024 : 0);
    const r = await execAllowlisted(session, FTDC_READ_TEMPLATE, { file: `${dir === '/' ? '' : dir}/${f.name}` }, {
      clock: o.clock,
      deadlineMs: (o.deadlineMs ?? 20_000) + Math.ceil(f.bytes / 1_000_000) * 1000,
      maxOutputBytes: cap,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    if (r.exitCode !== 0) throw new BaleenError('E_UNSUPPORTED', `Cannot read ${dir}/${f.name} on the host: ${reasonOf(r.stderr, f.name, `exit status ${r.exitCode ?? r.exitSignal}`)}`);
    if (r.truncated) throw new BaleenError('E_PARSE', `${dir}/${f.name} sent more than its listed ${f.bytes} bytes.`);
    const text = r.stdout.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new BaleenError('E_PARSE', `${dir}/${f.name} did not arrive as base64.`);
    const bytes = Buffer.from(text, 'base64');
    if (!interim && bytes.length !== f.bytes) throw new BaleenError('E_PARSE', `${dir}/${f.name} arrived with ${bytes.length} bytes, not the listed ${f.bytes}.`);
    const local = join(destDir, f.name);
    await writeFile(local, bytes, { mode: 0o600 });
    out.push(local);
  }
  o.onFile?.(files.length, files.length, '');
  return out;
}
