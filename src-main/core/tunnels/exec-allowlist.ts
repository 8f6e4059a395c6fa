import { BaleenError } from '../../../src-shared/domain/errors';
import type { Clock } from '../ports/clock';
import type { ClientChannel } from 'ssh2';
import type { SshChain } from './ssh-chain';

/**
 * Host commands over SSH (SEC-S6, REL-S9). A command exists only as a fixed argv template defined in
 * code; callers fill named arguments, each checked against the template's own pattern and then
 * single-quoted, so nothing a user or a server controls (labels, host names, user names) can become
 * shell syntax. Each run has a deadline (then the channel is signalled KILL and closed) and an output
 * cap (1 MiB by default) past which the output is cut and marked truncated.
 */
export type ArgSlot = { arg: string; pattern: RegExp; maxLength?: number };

export interface ExecTemplate {
  readonly id: string;
  readonly argv: readonly (string | ArgSlot)[];
}

const SAFE_LITERAL = /^[A-Za-z0-9_./=:,+@%-]+$/;

/** Templates are code, frozen at definition: an allowlist, never built from data. */
export function defineExecTemplate(id: string, argv: readonly (string | ArgSlot)[]): ExecTemplate {
  if (argv.length === 0 || typeof argv[0] !== 'string') throw new Error(`exec template ${id}: the program must be a literal`);
  const names = new Set<string>();
  for (const a of argv) {
    if (typeof a === 'string') continue;
    if (names.has(a.arg)) throw new Error(`exec template ${id}: argument ${a.arg} appears twice`);
    names.add(a.arg);
    if (a.pattern.flags.includes('g') || a.pattern.flags.includes('y')) throw new Error(`exec template ${id}: stateful regex flags`);
  }
  return Object.freeze({ id, argv: Object.freeze(argv.map((a) => (typeof a === 'string' ? a : Object.freeze({ ...a })))) });
}

/** POSIX single quotes: the only character that needs care inside them is the quote itself. */
export function shellQuote(s: string): string {
  return SAFE_LITERAL.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function buildExecCommand(t: ExecTemplate, args: Readonly<Record<string, string>>): string {
  const slots = t.argv.filter((a): a is ArgSlot => typeof a !== 'string');
  for (const k of Object.keys(args)) {
    if (!slots.some((s) => s.arg === k)) throw new BaleenError('E_INVALID_INPUT', `The host command ${t.id} takes no argument "${k.slice(0, 40)}".`);
  }
  const parts = t.argv.map((a) => {
    if (typeof a === 'string') return shellQuote(a);
    const v = Object.prototype.hasOwnProperty.call(args, a.arg) ? args[a.arg] : undefined;
    if (typeof v !== 'string') throw new BaleenError('E_INVALID_INPUT', `The host command ${t.id} needs its argument "${a.arg}".`);
    if (v.length > (a.maxLength ?? 1024) || v.includes('\0') || !a.pattern.test(v)) {
      throw new BaleenError('E_INVALID_INPUT', `The argument "${a.arg}" of the host command ${t.id} is not allowed.`, { template: t.id, arg: a.arg });
    }
    return shellQuote(v);
  });
  return parts.join(' ');
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  exitSignal: string | null;
  /** The output passed the cap and was cut there; the command was stopped. */
  truncated: boolean;
  durationMs: number;
}

export interface ExecOptions {
  deadlineMs: number;
  /**
   * Wrap the command in coreutils `timeout -s KILL <deadline rounded up to s>` on the host (default true).
   * sshd refuses the "signal" request in some setups (root logins without privilege separation), and
   * closing the channel does not stop a command that neither reads nor writes; this does.
   */
  hostTimeout?: boolean;
  signal?: AbortSignal;
  maxOutputBytes?: number;
  clock: Clock;
}

/** Anything that can hand out the live session under a deadline: an SshTunnel. */
export interface ExecSessionSource {
  session(deadlineMs: number, signal?: AbortSignal): Promise<SshChain>;
}

export function execAllowlisted(source: ExecSessionSource, template: ExecTemplate, args: Readonly<Record<string, string>>, o: ExecOptions): Promise<ExecResult> {
  let command: string;
  try {
    command = buildExecCommand(template, args);
  } catch (e) {
    return Promise.reject(e);
  }
  if (o.hostTimeout !== false) command = `timeout -s KILL ${Math.max(1, Math.ceil(o.deadlineMs / 1000))} ${command}`;
  const cap = o.maxOutputBytes ?? 1024 * 1024;
  const started = o.clock.monotonic();
  return new Promise<ExecResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let total = 0;
    let truncated = false;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let settled = false;
    let ch: ClientChannel | undefined;
    const stop = () => {
      if (!ch) return;
      // OpenSSH honours "signal" since 7.9; closing the channel covers servers that do not.
      try {
        ch.signal('KILL');
      } catch {
        // the channel is already gone
      }
      ch.close();
    };
    const settle = (e: BaleenError | null) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      o.signal?.removeEventListener('abort', onAbort);
      if (e) {
        stop();
        return reject(e);
      }
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode, exitSignal, truncated, durationMs: Math.round(o.clock.monotonic() - started) });
    };
    const take = (into: Buffer[]) => (d: Buffer) => {
      if (truncated || settled) return;
      const room = cap - total;
      if (d.length > room) {
        into.push(d.subarray(0, room));
        total = cap;
        truncated = true;
        stop();
        settle(null);
        return;
      }
      into.push(d);
      total += d.length;
    };
    const onAbort = () => settle(new BaleenError('E_CANCELLED', `The host command ${template.id} was cancelled.`));
    // One deadline for everything: waiting for the session, opening the channel, running.
    const timer = o.clock.setTimeout(
      () => settle(new BaleenError('E_TIMEOUT', `The host command ${template.id} did not finish within ${o.deadlineMs} ms and was stopped.`, { template: template.id })),
      o.deadlineMs,
    );
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) return onAbort();
    source
      .session(o.deadlineMs, o.signal)
      .then((chain) => chain.execRaw(command))
      .then(
        (channel) => {
          ch = channel;
          if (settled) return stop();
          channel.on('data', take(out));
          channel.stderr.on('data', take(err));
          channel.on('exit', (code: number | null, sig?: string) => {
            exitCode = typeof code === 'number' ? code : null;
            exitSignal = typeof sig === 'string' ? sig : null;
          });
          channel.on('close', () => settle(null));
        },
        (e: unknown) => settle(e instanceof BaleenError ? e : new BaleenError('E_INTERNAL', `The host command ${template.id} failed: ${String(e)}`)),
      );
  });
}
