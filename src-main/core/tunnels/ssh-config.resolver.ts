import { basename } from 'node:path';
import { BaleenError } from '../../../src-shared/domain/errors';
import { matchPatternList } from './known-hosts.parser';
import { expandTilde, splitArgs, type ConfigDirective, type ConfigFile } from './ssh-config.parser';
import type { SshAuthMethod, SshHopSpec } from './ssh-types';

/**
 * Evaluates a parsed ssh config for one host the way ssh(1) does (first value wins; Host patterns match
 * the name as typed; Match criteria that can be decided locally: all, host, originalhost, user, localuser,
 * canonical/final via OpenSSH's second pass) and turns ProxyJump into a hop chain. What Baleen cannot do
 * is said plainly, as warnings (Match exec, certificates, agent forwarding) or as E_UNSUPPORTED when the
 * chain itself cannot be built (a ProxyCommand that runs a program).
 */
export interface ConfigWarning {
  source: string;
  line: number;
  message: string;
}

export interface JumpSpec {
  user?: string;
  host: string;
  port?: number;
}

export type ProxySetting =
  | { kind: 'none' }
  | { kind: 'jump'; jumps: JumpSpec[]; source: string; line: number }
  | { kind: 'command'; command: string; source: string; line: number };

export interface ResolvedHost {
  /** The name as typed (the Host alias). */
  alias: string;
  hostName: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** True when no IdentityFile was configured: ssh then tries ~/.ssh/id_* that exist. */
  defaultIdentities: boolean;
  identitiesOnly: boolean;
  /** Agent socket: a path, or null for none. */
  identityAgent: string | null;
  proxy: ProxySetting;
  hostKeyAlias: string | null;
  userKnownHostsFiles: string[];
  connectTimeoutMs: number | null;
  serverAliveIntervalMs: number | null;
  serverAliveCountMax: number | null;
  methods: SshAuthMethod[];
  warnings: ConfigWarning[];
}

export interface ResolveOptions {
  home: string;
  localUser: string;
  /** SSH_AUTH_SOCK of the environment Baleen runs in. */
  authSock?: string | undefined;
}

type Options = Map<string, ConfigDirective>;

const MULTI = new Set(['identityfile', 'certificatefile', 'userknownhostsfile']);

interface PassState {
  opts: Options;
  multi: Map<string, ConfigDirective[]>;
  warnings: ConfigWarning[];
  wantsFinal: boolean;
}

function warn(s: PassState, d: ConfigDirective, message: string) {
  if (!s.warnings.some((w) => w.source === d.source && w.line === d.line && w.message === message)) s.warnings.push({ source: d.source, line: d.line, message });
}

const patternList = (arg: string) =>
  arg.split(',').map((p) => (p.startsWith('!') ? { negated: true, pattern: p.slice(1).toLowerCase() } : { negated: false, pattern: p.toLowerCase() }));

function evalMatch(d: ConfigDirective, alias: string, s: PassState, o: ResolveOptions, finalPass: boolean): boolean {
  const args = d.args;
  let i = 0;
  let result = true;
  while (i < args.length) {
    let crit = args[i++]!.toLowerCase();
    const negate = crit.startsWith('!');
    if (negate) crit = crit.slice(1);
    let r: boolean;
    switch (crit) {
      case 'all':
        r = true;
        break;
      case 'canonical':
      case 'final':
        s.wantsFinal ||= crit === 'final';
        r = finalPass;
        break;
      case 'host':
      case 'originalhost': {
        const arg = needArg(d, crit, args[i++]);
        const subject = crit === 'originalhost' ? alias : s.opts.get('hostname') ? expandHostName(s.opts.get('hostname')!.args[0]!, alias) : alias;
        r = matchPatternList(subject.toLowerCase(), patternList(arg));
        break;
      }
      case 'user':
      case 'localuser': {
        const arg = needArg(d, crit, args[i++]);
        const subject = crit === 'user' ? (s.opts.get('user')?.args[0] ?? o.localUser) : o.localUser;
        // User names compare case-sensitively, unlike host names.
        r = matchPatternList(subject, arg.split(',').map((p) => (p.startsWith('!') ? { negated: true, pattern: p.slice(1) } : { negated: false, pattern: p })));
        break;
      }
      case 'exec':
        i++;
        warn(s, d, 'Match exec would run a command to decide; Baleen does not run commands from ssh config, so this block is treated as not matching.');
        r = false;
        break;
      default:
        if (['localnetwork', 'tagged', 'address', 'localaddress', 'localport', 'rdomain', 'sessiontype', 'command', 'version'].includes(crit)) i++;
        warn(s, d, `Match ${crit} cannot be decided by Baleen; this block is treated as not matching.`);
        r = false;
    }
    if (negate) r = !r;
    // OpenSSH evaluates every criterion (for its warnings) but any false one makes the block inactive.
    if (!r) result = false;
  }
  return result;
}

function needArg(d: ConfigDirective, crit: string, arg: string | undefined): string {
  if (arg === undefined) throw new BaleenError('E_PARSE', `${d.source} line ${d.line}: Match ${crit} needs an argument.`, { source: d.source, line: d.line });
  return arg;
}

function expandHostName(v: string, alias: string): string {
  return v.replace(/%(.)/g, (m, c: string) => (c === 'h' ? alias : c === '%' ? '%' : m));
}

function runPass(root: ConfigFile, alias: string, o: ResolveOptions, finalPass: boolean, s: PassState): void {
  const walk = (file: ConfigFile, startActive: boolean, neverMatch: boolean) => {
    let active = startActive;
    for (const item of file.items) {
      if (item.kind === 'host') {
        active = !neverMatch && matchPatternList(alias.toLowerCase(), item.d.args.flatMap(patternList));
      } else if (item.kind === 'match') {
        active = !neverMatch && evalMatch(item.d, alias, s, o, finalPass);
      } else if (item.kind === 'include') {
        for (const f of item.files) walk(f, active, neverMatch || !active);
      } else if (active) {
        const k = item.d.keyword;
        if (MULTI.has(k)) s.multi.set(k, [...(s.multi.get(k) ?? []), item.d]);
        else if (!s.opts.has(k)) {
          // ProxyJump and ProxyCommand are one setting in OpenSSH: whichever comes first wins.
          if ((k === 'proxyjump' && s.opts.has('proxycommand')) || (k === 'proxycommand' && s.opts.has('proxyjump'))) continue;
          s.opts.set(k, item.d);
        }
      }
    }
  };
  walk(root, true, false);
}

function num(d: ConfigDirective | undefined, min: number, max: number): number | null {
  if (!d) return null;
  const v = d.args[0];
  if (v === undefined || !/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new BaleenError('E_PARSE', `${d.source} line ${d.line}: ${d.keyword} must be a number from ${min} to ${max}.`, { source: d.source, line: d.line });
  }
  return Number(v);
}

const yes = (d: ConfigDirective | undefined, dflt: boolean) => (d ? /^(yes|true)$/i.test(d.args[0] ?? '') : dflt);

/** `[user@]host[:port]`, `ssh://[user@]host[:port]`, `[v6]:port`. */
export function parseJumpSpec(spec: string): JumpSpec {
  let s = spec.startsWith('ssh://') ? spec.slice(6) : spec;
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
  }
  let host = s;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1]!;
    if (v6[2]) port = Number(v6[2]);
  } else if ((s.match(/:/g) ?? []).length === 1) {
    const i = s.indexOf(':');
    host = s.slice(0, i);
    const p = s.slice(i + 1);
    if (!/^\d+$/.test(p)) throw new BaleenError('E_PARSE', `Bad jump host ${JSON.stringify(spec)}: the port is not a number.`);
    port = Number(p);
  }
  if (host === '' || /[\s/]/.test(host) || (user !== undefined && (user === '' || /[\s:]/.test(user)))) {
    throw new BaleenError('E_PARSE', `Bad jump host ${JSON.stringify(spec)}.`);
  }
  if (port !== undefined && (port < 1 || port > 65535)) throw new BaleenError('E_PARSE', `Bad jump host ${JSON.stringify(spec)}: port out of range.`);
  return { host, ...(user !== undefined ? { user } : {}), ...(port !== undefined ? { port } : {}) };
}

/**
 * The one ProxyCommand shape that is really a jump: `ssh [-q] [-T] [-l user] [-p port] [-i key] -W %h:%p
 * [user@]jump`. Anything else runs a program, which Baleen does not do.
 */
export function proxyCommandAsJump(command: string): JumpSpec | null {
  let argv: string[];
  try {
    argv = splitArgs(command, 'ProxyCommand', 0);
  } catch {
    return null;
  }
  if (argv.length < 2 || basename(argv[0]!) !== 'ssh') return null;
  let user: string | undefined;
  let port: number | undefined;
  let forward: string | undefined;
  const positional: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-q' || a === '-T' || a === '-4' || a === '-6' || a === '-N' || a === '-x' || a === '-a') continue;
    if (a === '-W' || a === '-l' || a === '-p' || a === '-i') {
      const v = argv[++i];
      if (v === undefined) return null;
      if (a === '-W') forward = v;
      else if (a === '-l') user = v;
      else if (a === '-p') {
        if (!/^\d+$/.test(v)) return null;
        port = Number(v);
      }
      // -i: the jump host's key comes from its own config entry or the agent.
      continue;
    }
    if (a.startsWith('-W') && a.length > 2) {
      forward = a.slice(2);
      continue;
    }
    if (a.startsWith('-')) return null;
    positional.push(a);
  }
  if (positional.length !== 1 || (forward !== '%h:%p' && forward !== '[%h]:%p')) return null;
  const j = parseJumpSpec(positional[0]!);
  return { host: j.host, ...(j.user ?? user ? { user: j.user ?? user } : {}), ...(j.port ?? port ? { port: j.port ?? port } : {}) };
}

const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ed25519', 'id_dsa'];

export function resolveHost(config: ConfigFile, alias: string, o: ResolveOptions): ResolvedHost {
  const s: PassState = { opts: new Map(), multi: new Map(), warnings: [], wantsFinal: false };
  runPass(config, alias, o, false, s);
  if (s.wantsFinal) {
    // OpenSSH re-reads the config with `final` true, keeping what the first pass set.
    runPass(config, alias, o, true, s);
  }
  const get = (k: string) => s.opts.get(k);
  const hostName = get('hostname') ? expandHostName(get('hostname')!.args[0]!, alias) : alias;
  const port = num(get('port'), 1, 65535) ?? 22;
  const user = get('user')?.args[0] ?? o.localUser;
  const tokens = (v: string) =>
    expandTilde(v, o.home).replace(/%(.)/g, (m, c: string) =>
      c === '%' ? '%' : c === 'd' ? o.home : c === 'u' ? o.localUser : c === 'h' ? hostName : c === 'r' ? user : c === 'p' ? String(port) : c === 'n' ? alias : m,
    );
  const identityFiles = (s.multi.get('identityfile') ?? []).flatMap((d) => d.args).filter((f) => f.toLowerCase() !== 'none').map(tokens);
  for (const d of s.multi.get('certificatefile') ?? []) {
    warn(s, d, 'CertificateFile is set, but SSH certificates are not supported (the ssh2 library cannot present them); Baleen tries the plain keys only.');
  }
  if (yes(get('forwardagent'), false)) warn(s, get('forwardagent')!, 'ForwardAgent is ignored: Baleen never forwards the agent to the hosts it reaches.');
  let proxy: ProxySetting = { kind: 'none' };
  const pj = get('proxyjump');
  const pc = get('proxycommand');
  if (pj && pj.args[0]?.toLowerCase() !== 'none') {
    proxy = { kind: 'jump', jumps: pj.args.join(',').split(',').filter(Boolean).map(parseJumpSpec), source: pj.source, line: pj.line };
  } else if (pc && pc.args[0]?.toLowerCase() !== 'none') {
    const command = pc.args.join(' ');
    const jump = proxyCommandAsJump(command);
    proxy = jump ? { kind: 'jump', jumps: [jump], source: pc.source, line: pc.line } : { kind: 'command', command, source: pc.source, line: pc.line };
  }
  const agentSetting = get('identityagent')?.args[0];
  const identityAgent = agentSetting === undefined || agentSetting === 'SSH_AUTH_SOCK' ? (o.authSock ?? null) : agentSetting.toLowerCase() === 'none' ? null : tokens(agentSetting);
  const methods: SshAuthMethod[] = [];
  const preferred = get('preferredauthentications')?.args.join(',').split(',') ?? ['publickey', 'keyboard-interactive', 'password'];
  for (const m of preferred) {
    if (m === 'publickey' && yes(get('pubkeyauthentication'), true)) methods.push('publickey', 'agent');
    if (m === 'keyboard-interactive' && yes(get('kbdinteractiveauthentication') ?? get('challengeresponseauthentication'), true)) methods.push('keyboard-interactive');
    if (m === 'password' && yes(get('passwordauthentication'), true)) methods.push('password');
  }
  const ka = num(get('serveraliveinterval'), 0, 86_400);
  const connectTimeout = num(get('connecttimeout'), 1, 86_400);
  return {
    alias,
    hostName,
    port,
    user,
    identityFiles: identityFiles.length > 0 ? identityFiles : DEFAULT_IDENTITIES.map((f) => `${o.home}/.ssh/${f}`),
    defaultIdentities: identityFiles.length === 0,
    identitiesOnly: yes(get('identitiesonly'), false),
    identityAgent,
    proxy,
    hostKeyAlias: get('hostkeyalias')?.args[0] ?? null,
    userKnownHostsFiles: (s.multi.get('userknownhostsfile') ?? []).slice(0, 1).flatMap((d) => d.args).filter((f) => f.toLowerCase() !== 'none').map(tokens),
    connectTimeoutMs: connectTimeout === null ? null : connectTimeout * 1000,
    serverAliveIntervalMs: ka === null || ka === 0 ? null : ka * 1000,
    serverAliveCountMax: num(get('serveralivecountmax'), 0, 1000),
    methods,
    warnings: s.warnings,
  };
}

export interface HopChainImport {
  hops: SshHopSpec[];
  warnings: ConfigWarning[];
}

const MAX_CHAIN = 10;

/**
 * The hop chain ssh(1) would use to reach `alias`: ProxyJump `a,b` means b is reached through a, and the
 * jump hosts are resolved through the config themselves (a jump's own user/port override its config, as
 * on the command line). Loops and ProxyCommands that run programs are refused.
 */
export function importHopChain(config: ConfigFile, alias: string, o: ResolveOptions): HopChainImport {
  const warnings: ConfigWarning[] = [];
  const build = (name: string, override: Omit<JumpSpec, 'host'>, forced: JumpSpec[] | undefined, seen: string[]): SshHopSpec[] => {
    if (seen.length >= MAX_CHAIN || seen.includes(name.toLowerCase())) {
      throw new BaleenError('E_INVALID_INPUT', `The jump hosts for ${alias} loop or nest deeper than ${MAX_CHAIN} (${[...seen, name].join(' → ')}).`, { alias });
    }
    const r = resolveHost(config, name, o);
    warnings.push(...r.warnings.filter((w) => !warnings.some((x) => x.source === w.source && x.line === w.line && x.message === w.message)));
    let jumps: JumpSpec[] | null = null;
    if (forced !== undefined) jumps = forced;
    else if (r.proxy.kind === 'jump') jumps = r.proxy.jumps;
    else if (r.proxy.kind === 'command') {
      throw new BaleenError(
        'E_UNSUPPORTED',
        `${r.proxy.source} line ${r.proxy.line}: ProxyCommand "${r.proxy.command}" for ${name} runs a program; Baleen does not run commands from ssh config. Use ProxyJump (or "ssh -W %h:%p jumphost") instead.`,
        { alias: name, source: r.proxy.source, line: r.proxy.line },
      );
    }
    const hop: SshHopSpec = {
      host: r.hostName,
      port: override.port ?? r.port,
      username: override.user ?? r.user,
      label: name,
      ...(r.hostKeyAlias ? { hostKeyAlias: r.hostKeyAlias } : {}),
      auth: {
        identityFiles: r.identityFiles.map((path) => ({ path, required: !r.defaultIdentities })),
        agent: r.identitiesOnly && !r.defaultIdentities ? null : r.identityAgent,
        methods: r.methods,
      },
      ...(r.connectTimeoutMs !== null ? { readyTimeoutMs: r.connectTimeoutMs } : {}),
    };
    if (!jumps || jumps.length === 0) return [hop];
    const last = jumps[jumps.length - 1]!;
    const rest = jumps.slice(0, -1);
    const prefix = build(last.host, { ...(last.user ? { user: last.user } : {}), ...(last.port ? { port: last.port } : {}) }, rest.length > 0 ? rest : undefined, [...seen, name.toLowerCase()]);
    return [...prefix, hop];
  };
  return { hops: build(alias, {}, undefined, []), warnings };
}
