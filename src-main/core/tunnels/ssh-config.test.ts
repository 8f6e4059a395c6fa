// ~/.ssh/config → resolved options and hop chains (issue 3: Host/Match/Include/ProxyJump/ProxyCommand).
import { BaleenError } from '../../../src-shared/domain/errors';
import { parseSshConfig, tokenizeLine, type SshConfigFs } from './ssh-config.parser';
import { importHopChain, proxyCommandAsJump, resolveHost, type ResolveOptions } from './ssh-config.resolver';

const HOME = '/home/dba';
const opts: ResolveOptions = { home: HOME, localUser: 'dba', authSock: '/tmp/agent.sock' };

function memFs(files: Record<string, string>): SshConfigFs {
  return {
    readText: async (p) => {
      if (!(p in files)) throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
      return files[p]!;
    },
    listDir: async (dir) => {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = new Set<string>();
      for (const f of Object.keys(files)) if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split('/')[0]!);
      if (names.size === 0) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return [...names];
    },
  };
}

async function cfg(text: string, extra: Record<string, string> = {}) {
  return parseSshConfig(text, `${HOME}/.ssh/config`, { home: HOME, fs: memFs(extra) });
}

describe('ssh config: tokens', () => {
  it('reads Key value, Key=value, quotes and comments', () => {
    expect(tokenizeLine('  HostName   db1.example.com', 'c', 1)).toMatchObject({ keyword: 'hostname', args: ['db1.example.com'] });
    expect(tokenizeLine('Port=2222', 'c', 1)).toMatchObject({ keyword: 'port', args: ['2222'] });
    expect(tokenizeLine('IdentityFile "~/.ssh/my key" # work', 'c', 1)).toMatchObject({ args: ['~/.ssh/my key'] });
    expect(tokenizeLine('# only a comment', 'c', 1)).toBeNull();
    expect(() => tokenizeLine('User "unterminated', 'c', 7)).toThrow(/line 7: unterminated quote/);
  });
});

describe('ssh config: resolving a host', () => {
  it('first value wins; Host patterns with wildcards and negation', async () => {
    const c = await cfg(`
Host db-* !db-legacy
  User mongo
  Port 2201
Host db-legacy
  User old
Host *
  User fallback
  Port 22
  IdentityFile ~/.ssh/id_work
`);
    const a = resolveHost(c, 'db-a', opts);
    expect([a.user, a.port, a.hostName]).toEqual(['mongo', 2201, 'db-a']);
    expect(a.identityFiles).toEqual([`${HOME}/.ssh/id_work`]);
    const legacy = resolveHost(c, 'db-legacy', opts);
    expect([legacy.user, legacy.port]).toEqual(['old', 22]);
    const other = resolveHost(c, 'web1', opts);
    expect(other.user).toBe('fallback');
  });

  it('HostName with %h, IdentityFile tokens, default identities when none is set', async () => {
    const c = await cfg(`
Host short
  HostName %h.corp.example.com
  IdentityFile ~/.ssh/%r@%h
  User ops
`);
    const r = resolveHost(c, 'short', opts);
    expect(r.hostName).toBe('short.corp.example.com');
    expect(r.identityFiles).toEqual([`${HOME}/.ssh/ops@short.corp.example.com`]);
    expect(r.defaultIdentities).toBe(false);
    const d = resolveHost(c, 'elsewhere', opts);
    expect(d.defaultIdentities).toBe(true);
    expect(d.identityFiles).toContain(`${HOME}/.ssh/id_ed25519`);
    expect(d.identityAgent).toBe('/tmp/agent.sock');
  });

  it('Match host (after HostName), originalhost, user, localuser, all', async () => {
    const c = await cfg(`
Host alias1
  HostName real1.example.com
Match host real1.example.com
  Port 2022
Match originalhost alias1 user dba
  User matched-by-original
Match localuser nobody
  IdentityFile ~/.ssh/never
Match all
  ConnectTimeout 7
`);
    const r = resolveHost(c, 'alias1', opts);
    expect(r.port).toBe(2022);
    expect(r.user).toBe('matched-by-original');
    expect(r.identityFiles).not.toContain(`${HOME}/.ssh/never`);
    expect(r.connectTimeoutMs).toBe(7000);
  });

  it('Match exec is not run: a warning, the block does not apply', async () => {
    const c = await cfg(`
Match host db1 exec "nc -z vpn 22"
  ProxyJump vpn
`);
    const r = resolveHost(c, 'db1', opts);
    expect(r.proxy.kind).toBe('none');
    expect(r.warnings.map((w) => w.message).join(' ')).toMatch(/Match exec would run a command/);
  });

  it('Match final applies on the second pass, keeping first-pass values', async () => {
    const c = await cfg(`
Match final
  User from-final
  Port 2200
Host db1
  Port 2100
`);
    const r = resolveHost(c, 'db1', opts);
    expect(r.port).toBe(2100);
    expect(r.user).toBe('from-final');
  });

  it('Include: relative to ~/.ssh, globs sorted, scoped to the enclosing Host block', async () => {
    const c = await cfg(
      `
Include config.d/*.conf
Host inner
  Include extra
Host *
  User last
`,
      {
        [`${HOME}/.ssh/config.d/10-a.conf`]: 'Host a\n  HostName a.example.com\n  User from-10\n',
        [`${HOME}/.ssh/config.d/20-b.conf`]: 'Host a\n  User from-20\nHost b\n  Port 2202\n',
        [`${HOME}/.ssh/config.d/.hidden.conf`]: 'Host a\n  Port 9\n',
        [`${HOME}/.ssh/extra`]: 'Port 2999\n',
      },
    );
    const a = resolveHost(c, 'a', opts);
    expect([a.hostName, a.user, a.port]).toEqual(['a.example.com', 'from-10', 22]);
    expect(resolveHost(c, 'b', opts).port).toBe(2202);
    expect(resolveHost(c, 'inner', opts).port).toBe(2999);
    expect(resolveHost(c, 'outer', opts).port).toBe(22);
  });

  it('an Include loop fails with a typed error, not a stack overflow', async () => {
    const fs = memFs({ [`${HOME}/.ssh/loop`]: 'Include loop\n' });
    await expect(parseSshConfig('Include loop\n', 'c', { home: HOME, fs })).rejects.toMatchObject({ code: 'E_PARSE', message: expect.stringMatching(/nested deeper/) });
  });

  it('CertificateFile and ForwardAgent are called out plainly', async () => {
    const c = await cfg('Host db1\n  CertificateFile ~/.ssh/id-cert.pub\n  ForwardAgent yes\n');
    const msgs = resolveHost(c, 'db1', opts).warnings.map((w) => w.message);
    expect(msgs.join('\n')).toMatch(/SSH certificates are not supported/);
    expect(msgs.join('\n')).toMatch(/never forwards the agent/);
  });

  it('a bad Port is a typed parse error naming the line', async () => {
    const c = await cfg('Host x\n  Port ninety\n');
    expect(() => resolveHost(c, 'x', opts)).toThrow(BaleenError);
    expect(() => resolveHost(c, 'x', opts)).toThrow(/config line 2: port must be a number/);
  });

  it('auth methods follow PreferredAuthentications and the *Authentication switches', async () => {
    const c = await cfg('Host otp\n  PreferredAuthentications keyboard-interactive,publickey\n  PasswordAuthentication no\n');
    expect(resolveHost(c, 'otp', opts).methods).toEqual(['keyboard-interactive', 'publickey', 'agent']);
  });
});

describe('ssh config: hop chains', () => {
  const config = `
Host bastion
  HostName bastion.example.com
  User jump
Host inner-bastion
  HostName 10.1.0.5
  ProxyJump bastion
  User jump2
Host db1
  HostName 10.2.0.11
  ProxyJump inner-bastion
  User mongo
Host db2
  HostName 10.2.0.12
  ProxyJump alice@bastion:2222,inner-bastion
Host db3
  ProxyCommand ssh -q -W %h:%p bastion
Host db4
  ProxyCommand nc -X connect -x proxy:3128 %h %p
Host loop-a
  ProxyJump loop-b
Host loop-b
  ProxyJump loop-a
`;

  it('ProxyJump recursion: each jump resolved through the config', async () => {
    const { hops } = importHopChain(await cfg(config), 'db1', opts);
    expect(hops.map((h) => `${h.username}@${h.host}:${h.port}`)).toEqual(['jump@bastion.example.com:22', 'jump2@10.1.0.5:22', 'mongo@10.2.0.11:22']);
    expect(hops.map((h) => h.label)).toEqual(['bastion', 'inner-bastion', 'db1']);
  });

  it('a ProxyJump list: user and port in the list override the jump host config; later jumps do not use their own ProxyJump', async () => {
    const { hops } = importHopChain(await cfg(config), 'db2', opts);
    expect(hops.map((h) => `${h.username}@${h.host}:${h.port}`)).toEqual(['alice@bastion.example.com:2222', 'jump2@10.1.0.5:22', 'dba@10.2.0.12:22']);
  });

  it('ProxyCommand "ssh -W %h:%p jump" is a jump', async () => {
    const { hops } = importHopChain(await cfg(config), 'db3', opts);
    expect(hops.map((h) => h.host)).toEqual(['bastion.example.com', 'db3']);
  });

  it('any other ProxyCommand is E_UNSUPPORTED with a clear message', async () => {
    const c = await cfg(config);
    expect(() => importHopChain(c, 'db4', opts)).toThrow(/runs a program; Baleen does not run commands from ssh config/);
    try {
      importHopChain(c, 'db4', opts);
    } catch (e) {
      expect((e as BaleenError).code).toBe('E_UNSUPPORTED');
    }
  });

  it('a ProxyJump loop is refused', async () => {
    const c = await cfg(config);
    expect(() => importHopChain(c, 'loop-a', opts)).toThrow(/loop/);
  });

  it('proxyCommandAsJump accepts the common forms only', () => {
    expect(proxyCommandAsJump('ssh -W %h:%p jump')).toEqual({ host: 'jump' });
    expect(proxyCommandAsJump('/usr/bin/ssh -q -l ops -p 2200 -W [%h]:%p jump.example.com')).toEqual({ host: 'jump.example.com', user: 'ops', port: 2200 });
    expect(proxyCommandAsJump('ssh -W %h:%p jump; touch /tmp/pwned')).toBeNull();
    expect(proxyCommandAsJump('ssh -o ProxyCommand=evil -W %h:%p jump')).toBeNull();
    expect(proxyCommandAsJump('ssh -W other:22 jump')).toBeNull();
    expect(proxyCommandAsJump('socat - TCP:%h:%p')).toBeNull();
  });
});
