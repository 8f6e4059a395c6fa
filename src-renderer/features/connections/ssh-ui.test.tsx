import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { HostKeyCheck, ParseResult, TestResult } from '../../../src-shared/contract';
import { FakeTransport } from '../../client/fake-transport';
import { connectionSummary, nodeSummary, renderWithApp } from '../../app/test-harness';
import { StatusBadge } from '../../components/status-badge';
import { ConnectionTestPanel, ConnectionsPage } from './index';

const PARSED: ParseResult = {
  form: { scheme: 'mongodb', hosts: ['m1.rs.internal:27017'], auth: { mechanism: 'NONE' }, tls: { mode: 'default' } },
  uri: 'mongodb://m1.rs.internal:27017/',
  carriesSecrets: [],
  needsSecrets: [],
  insecureTls: [],
  notes: [],
};
const FP = 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const OLD_FP = 'SHA256:OLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDO';
const challenge = { host: 'bastion.corp.example', port: 2222, keyType: 'ssh-ed25519', key: 'AAAAC3NzaC1lZDI1NTE5AAAAIE', fingerprint: FP };

function setup(fake = new FakeTransport()) {
  fake.handle('connections.list', () => []).handle('connections.secretStorage', () => ({ persistent: true }));
  fake.handle('connections.parse', () => PARSED);
  const user = userEvent.setup();
  return { ...renderWithApp(<ConnectionsPage />, { fake }), user, fake };
}

describe('SSH hops in the profile editor', () => {
  it('SEC-S1: a hop, its unknown host key shown by fingerprint and trusted with a click; the add sends hops and the passphrase once', async () => {
    const { user, fake } = setup();
    const check: HostKeyCheck = { verdict: 'unknown', challenge, ms: 12 };
    fake.handle('connections.checkHostKey', () => check);
    fake.handle('connections.trustHostKey', () => ({ host: challenge.host, port: challenge.port, keyType: challenge.keyType, fingerprint: FP, pinnedAt: 1 }));
    fake.handle('connections.add', () => connectionSummary({ id: 'c1', nodes: [] }));
    await user.type(screen.getByRole('textbox', { name: 'MongoDB URI' }), PARSED.uri);
    await user.click(screen.getByRole('button', { name: 'Add SSH hop' }));
    await user.type(screen.getByLabelText('SSH host (hop 1)'), 'bastion.corp.example');
    await user.clear(screen.getByLabelText('SSH port (hop 1)'));
    await user.type(screen.getByLabelText('SSH port (hop 1)'), '2222');
    await user.type(screen.getByLabelText('SSH user (hop 1)'), 'ops');
    await user.type(screen.getByLabelText('Private key file (hop 1)'), '/home/ops/.ssh/id_ed25519');
    await user.type(screen.getByLabelText('Key passphrase (hop 1)'), 'hop-secret');
    expect(document.body.innerHTML).not.toContain('hop-secret');

    await user.click(screen.getByRole('button', { name: 'Check host key of hop 1' }));
    const prompt = await screen.findByRole('group', { name: 'SSH host key of [bastion.corp.example]:2222' });
    expect(prompt).toHaveTextContent(`Unknown host key for [bastion.corp.example]:2222: ssh-ed25519 ${FP}`);
    expect(fake.callsTo('connections.checkHostKey')).toEqual([{ host: 'bastion.corp.example', port: 2222 }]);
    await user.click(within(prompt).getByRole('button', { name: 'Trust this host key' }));
    expect(await screen.findByText(/Host key of \[bastion\.corp\.example\]:2222 trusted/)).toBeInTheDocument();
    expect(fake.callsTo('connections.trustHostKey')).toEqual([{ challenge }]);

    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    await waitFor(() => expect(fake.callsTo('connections.add')).toHaveLength(1));
    expect(fake.callsTo('connections.add')[0]).toEqual({
      uri: PARSED.uri,
      discover: true,
      secrets: { ssh: [{ hop: 1, passphrase: 'hop-secret' }] },
      sshHops: [{ host: 'bastion.corp.example', port: 2222, username: 'ops', auth: 'key', keyFile: '/home/ops/.ssh/id_ed25519' }],
    });
    expect(document.body.innerHTML).not.toContain('hop-secret');
  });

  it('imports a hop chain from ssh config by alias and shows what could not be carried over', async () => {
    const { user, fake } = setup();
    fake.handle('connections.importSshConfig', () => ({
      hops: [
        { host: 'jump.corp.example', port: 22, username: 'ops', auth: 'agent', label: 'jump' },
        { host: 'db-bastion.corp.example', port: 22, username: 'dba', auth: 'key', keyFile: '/home/dba/.ssh/id_rsa', label: 'db-bastion' },
      ],
      warnings: ['/home/dba/.ssh/config line 4: CertificateFile is not supported (ssh2 cannot present SSH certificates); the key is offered on its own.'],
      notes: [],
    }));
    await user.type(screen.getByLabelText('ssh config alias'), 'db-bastion');
    await user.click(screen.getByRole('button', { name: 'Import from ssh config' }));
    expect(await screen.findByLabelText('SSH host (hop 2)')).toHaveValue('db-bastion.corp.example');
    expect(screen.getByLabelText('SSH login (hop 1)')).toHaveValue('agent');
    expect(screen.getByRole('list', { name: 'ssh config import warnings' })).toHaveTextContent('CertificateFile is not supported');
  });
});

describe('the connection test with SSH hops', () => {
  it('SEC-S2: a changed key shows both fingerprints; replacing it needs a confirmation and names the old key', async () => {
    const fake = new FakeTransport();
    fake.handle('connections.replaceHostKey', () => ({ host: challenge.host, port: challenge.port, keyType: 'ssh-ed25519', fingerprint: FP, pinnedAt: 1 }));
    const result: TestResult = {
      ok: false,
      totalMs: 40,
      steps: [
        { step: 'ssh', label: 'SSH hop 1 of 2', host: 'ops@jump:22', status: 'ok', ms: 85, detail: 'connected', hop: 1 },
        {
          step: 'ssh',
          label: 'SSH hop 2 of 2',
          host: 'ops@bastion.corp.example:2222',
          status: 'failed',
          ms: 20,
          detail: 'The host key has CHANGED',
          reason: 'host-key-changed',
          code: 'E_AUTH',
          hop: 2,
          hostKey: { verdict: 'changed', challenge, previous: [{ keyType: 'ssh-ed25519', fingerprint: OLD_FP, source: 'baleen' }] },
        },
      ],
    };
    const retest = vi.fn();
    const user = userEvent.setup();
    renderWithApp(<ConnectionTestPanel result={result} onRetest={retest} />, { fake });
    const hop1 = document.querySelector('[data-hop="1"]')!;
    expect(hop1).toHaveTextContent('85 ms');
    const prompt = screen.getByRole('group', { name: 'SSH host key of [bastion.corp.example]:2222' });
    expect(prompt).toHaveTextContent(OLD_FP);
    expect(prompt).toHaveTextContent(FP);
    expect(within(prompt).queryByRole('button', { name: 'Trust this host key' })).toBeNull();
    await user.click(within(prompt).getByRole('button', { name: 'Replace the host key…' }));
    expect(fake.callsTo('connections.replaceHostKey')).toEqual([]);
    await user.click(within(prompt).getByRole('button', { name: 'Yes, replace the key' }));
    await waitFor(() => expect(fake.callsTo('connections.replaceHostKey')).toEqual([{ challenge, previousFingerprint: OLD_FP }]));
    expect(retest).toHaveBeenCalledTimes(1);
  });
});

describe('keyboard-interactive prompts', () => {
  it('an OTP question from any connection opens a dialog; the answer goes back once and never into the page', async () => {
    const fake = new FakeTransport();
    fake.handle('connections.list', () => []).handle('connections.answerSshPrompt', () => ({ accepted: true }));
    const user = userEvent.setup();
    // The provider (which every page sits in) owns the dialog: no connections page is open here.
    renderWithApp(<p>elsewhere</p>, { fake });
    await waitFor(() => expect(fake.listenerCount('connections.sshPrompt')).toBeGreaterThan(0));
    act(() =>
      fake.emit('connections.sshPrompt', {
        id: 'p1',
        connectionId: 'c1',
        hop: 2,
        host: 'otp.corp.example',
        port: 22,
        username: 'ops',
        name: 'OTP',
        instructions: 'Answer the one-time password prompt',
        prompts: [{ prompt: 'One-time password: ', echo: false }],
        expiresAt: Date.now() + 60_000,
      }),
    );
    const dialog = await screen.findByRole('dialog', { name: 'SSH login: ops@otp.corp.example:22 (hop 2)' });
    const input = within(dialog).getByLabelText('One-time password:');
    expect(input).toHaveAttribute('type', 'password');
    await user.type(input, '424242');
    await user.click(within(dialog).getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(fake.callsTo('connections.answerSshPrompt')).toEqual([{ id: 'p1', answers: ['424242'] }]));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.body.innerHTML).not.toContain('424242');
  });
});

describe('node status through SSH', () => {
  it('names the SSH problem and the hop, never "auth failed" for an SSH login', () => {
    renderWithApp(
      <>
        <StatusBadge status={{ state: 'unreachable', since: 1, reason: 'SSH host (hop 2) is unreachable', ssh: { kind: 'refused', hop: 2 } }} />
        <StatusBadge status={{ state: 'ssh-auth-failed', since: 1, reason: 'SSH authentication failed', ssh: { kind: 'auth-failed', hop: 1 } }} />
        <StatusBadge status={{ state: 'host-key-changed', since: 1, reason: 'changed', ssh: { kind: 'host-key-changed', hop: 1 } }} />
      </>,
    );
    const badges = [...document.querySelectorAll('[data-state]')].map((b) => b.textContent);
    expect(badges).toEqual(['unreachable (ssh, hop 2)', 'SSH login failed', 'SSH host key changed']);
  });

  it('the connection card shows the tunnel with each hop time, and a host key to trust when the tunnel waits for one', async () => {
    const fake = new FakeTransport();
    const c = connectionSummary({
      id: 'c1',
      name: 'behind bastions',
      nodes: [nodeSummary({ hostPort: 'm1.rs.internal:27017', status: { state: 'host-key-unknown', since: 1, reason: 'The host key is not known', ssh: { kind: 'host-key-unknown', hop: 1 } } })],
      sshHops: [{ host: 'bastion.corp.example', port: 2222, username: 'ops', auth: 'agent' }],
      tunnel: { state: 'host-key-unknown', since: 1, hops: [], failures: 1, reason: 'The host key is not known', ssh: { kind: 'host-key-unknown', hop: 1, hostKey: { verdict: 'unknown', challenge } } },
    });
    fake.handle('connections.list', () => [c]).handle('connections.secretStorage', () => ({ persistent: true }));
    renderWithApp(<ConnectionsPage />, { fake });
    const card = (await screen.findByRole('heading', { name: 'behind bastions' })).closest('article')!;
    expect(card.querySelector('[data-tunnel-state]')).toHaveTextContent('via 1 SSH hop: host key unknown');
    expect(within(card as HTMLElement).getByRole('group', { name: 'SSH host key of [bastion.corp.example]:2222' })).toHaveTextContent(FP);
  });
});
