import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ConnectionDetail, ParseResult, TestResult } from '../../../src-shared/contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import { FakeTransport } from '../../client/fake-transport';
import { connectionSummary, nodeSummary, renderWithApp } from '../../app/test-harness';
import { ConnectionsPage, extractUriSecrets } from './index';

const PARSED: ParseResult = {
  form: {
    scheme: 'mongodb',
    hosts: ['db1.corp.example:27017', 'db2.corp.example:27017'],
    replicaSet: 'rs0',
    auth: { mechanism: 'SCRAM-SHA-256', username: 'dba', authSource: 'admin' },
    tls: { mode: 'on', caFile: '/etc/ca.pem' },
  },
  uri: 'mongodb://dba@db1.corp.example:27017,db2.corp.example:27017/?replicaSet=rs0&authMechanism=SCRAM-SHA-256&authSource=admin&tls=true&tlsCAFile=%2Fetc%2Fca.pem',
  carriesSecrets: ['mongodb-password'],
  needsSecrets: ['mongodb-password'],
  insecureTls: [],
  notes: [],
};

function setup(fake = new FakeTransport()) {
  fake.handle('connections.list', () => []).handle('connections.secretStorage', () => ({ persistent: true }));
  const user = userEvent.setup();
  return { ...renderWithApp(<ConnectionsPage />, { fake }), user, fake };
}

const uriBox = () => screen.getByRole('textbox', { name: 'MongoDB URI' });
const editor = (name = 'Add a connection') => screen.getByRole('form', { name });

describe('extractUriSecrets', () => {
  it('takes the password and secret options out of a URI, leaving the rest as typed', () => {
    expect(extractUriSecrets('mongodb://dba:p%40ss%3Aw@h1,h2/db?replicaSet=rs0&tlsCertificateKeyFilePassword=k%26y&proxyPassword=px&tls=true')).toEqual({
      uri: 'mongodb://dba@h1,h2/db?replicaSet=rs0&tls=true',
      password: 'p@ss:w',
      tlsKeyPassword: 'k&y',
      proxyPassword: 'px',
    });
    expect(extractUriSecrets('mongodb+srv://c.example/')).toEqual({ uri: 'mongodb+srv://c.example/' });
    expect(extractUriSecrets('not a uri')).toEqual({ uri: 'not a uri' });
  });
});

describe('profile editor', () => {
  it('a pasted URI fills the form and its password moves to the password field; the add sends it as a secret', async () => {
    const { user, fake } = setup();
    fake.handle('connections.parse', () => PARSED);
    fake.handle('connections.add', () => connectionSummary({ id: 'c1', name: 'rs0', nodes: [] }));
    await user.click(uriBox());
    await user.paste('mongodb://dba:s3cret@DB1.corp.example,db2.corp.example/?replicaSet=rs0&authMechanism=SCRAM-SHA-256&authSource=admin&tls=true&tlsCAFile=%2Fetc%2Fca.pem');
    await waitFor(() => expect(uriBox()).toHaveValue(PARSED.uri));
    const password = screen.getByLabelText('Password');
    expect(password).toHaveAttribute('type', 'password');
    expect(password).toHaveValue('s3cret');
    // Held in the input's value, never mirrored into the markup.
    expect(document.body.innerHTML).not.toContain('s3cret');
    expect(screen.getByText('new value: saved when you save')).toBeInTheDocument();
    await user.click(within(editor()).getByText(/^Connection options/));
    expect(screen.getByLabelText('Hosts (comma-separated host:port)')).toHaveValue('db1.corp.example:27017, db2.corp.example:27017');
    expect(screen.getByLabelText('Replica set name')).toHaveValue('rs0');
    expect(screen.getByLabelText('Authentication')).toHaveValue('SCRAM-SHA-256');
    expect(screen.getByLabelText('CA file')).toHaveValue('/etc/ca.pem');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    await waitFor(() => expect(fake.callsTo('connections.add')).toHaveLength(1));
    expect(fake.callsTo('connections.add')[0]).toEqual({ uri: PARSED.uri, secrets: { password: 's3cret' }, discover: true });
    // Cleared after the add: the password is gone from the page.
    expect(document.body.innerHTML).not.toContain('s3cret');
  });

  it('a form change is rebuilt into the URI by the core, which names a contradiction', async () => {
    const { user, fake } = setup();
    let calls = 0;
    fake.handle('connections.parse', (input) => {
      calls++;
      if ('uri' in input && input.uri) return { ...PARSED, carriesSecrets: [] };
      if (input.form?.auth.mechanism === 'NONE') throw new BaleenError('E_INVALID_INPUT', 'A user name is given but no authentication: choose a mechanism or remove the user name.', { reason: 'auth-mechanism' });
      return { ...PARSED, form: input.form!, uri: 'mongodb://dba@h/?readPreference=secondary', carriesSecrets: [] };
    });
    await user.type(uriBox(), PARSED.uri);
    await user.tab();
    await waitFor(() => expect(calls).toBe(1));
    await user.click(within(editor()).getByText(/^Connection options/));
    await user.selectOptions(screen.getByLabelText('Read preference'), 'secondary');
    await waitFor(() => expect(uriBox()).toHaveValue('mongodb://dba@h/?readPreference=secondary'));
    await user.selectOptions(screen.getByLabelText('Authentication'), 'NONE');
    expect(await screen.findByText(/A user name is given but no authentication/)).toBeInTheDocument();
  });

  it('insecure TLS needs the explicit opt-in, which is sent with the add', async () => {
    const { user, fake } = setup();
    fake.handle('connections.parse', () => ({ ...PARSED, carriesSecrets: [], needsSecrets: [], insecureTls: ['tlsAllowInvalidCertificates'] }));
    fake.handle('connections.add', (input) => {
      if (!input.trustInsecureTls) throw new BaleenError('E_INVALID_INPUT', 'tlsAllowInvalidCertificates turns off TLS certificate checks. Confirm the opt-in explicitly to use it.', { reason: 'tls-opt-in-required' });
      return connectionSummary({ id: 'c1', nodes: [] });
    });
    await user.type(uriBox(), 'mongodb://h/?tls=true&tlsAllowInvalidCertificates=true');
    await user.tab();
    const optIn = await screen.findByRole('group', { name: 'Insecure TLS opt-in' });
    expect(optIn).toHaveTextContent('TLS checks off');
    expect(optIn).toHaveTextContent('accept any server certificate (tlsAllowInvalidCertificates)');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    await waitFor(() => expect(fake.callsTo('connections.add')).toHaveLength(1));
    expect(fake.callsTo('connections.add')[0]).not.toHaveProperty('trustInsecureTls');
    expect(await screen.findByRole('alert')).toHaveTextContent('Confirm the opt-in explicitly');
    await user.click(within(optIn).getByRole('checkbox'));
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    await waitFor(() => expect(fake.callsTo('connections.add')).toHaveLength(2));
    expect(fake.callsTo('connections.add')[1]).toMatchObject({ trustInsecureTls: ['tlsAllowInvalidCertificates'] });
  });

  it('runs the connection test and shows every step with its result and time, naming the one that failed', async () => {
    const { user, fake } = setup();
    const result: TestResult = {
      ok: false,
      totalMs: 61,
      steps: [
        { step: 'ssh', label: 'SSH hops', status: 'skipped', ms: null, detail: 'no SSH hops: connecting directly' },
        { step: 'dns', label: 'Name resolution', host: 'h:27017', status: 'ok', ms: 1, detail: 'h → 10.0.0.5' },
        { step: 'tcp', label: 'TCP connection', host: 'h:27017', status: 'ok', ms: 3, detail: 'connected to 10.0.0.5:27017' },
        { step: 'tls', label: 'TLS handshake', host: 'h:27017', status: 'ok', ms: 9, detail: 'TLSv1.3, CN=h issued by CN=Corp CA' },
        { step: 'auth', label: 'Authentication', host: 'h:27017', status: 'failed', ms: 48, detail: 'Authentication failed (code 18) on h:27017', reason: 'auth-failed', code: 'E_AUTH' },
        { step: 'privileges', label: 'Privileges', status: 'skipped', ms: null, detail: 'not run: an earlier step failed' },
      ],
    };
    fake.handle('connections.parse', () => ({ ...PARSED, carriesSecrets: [] }));
    fake.handle('connections.test', () => result);
    await user.type(uriBox(), 'mongodb://dba@h/');
    await user.tab();
    await user.type(await screen.findByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    const steps = await screen.findByRole('list', { name: 'Connection test steps' });
    const items = within(steps).getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-status'))).toEqual(['skipped', 'ok', 'ok', 'ok', 'failed', 'skipped']);
    expect(items[3]).toHaveTextContent(/TLS handshake.*9 ms/);
    expect(items[4]).toHaveTextContent(/Authentication.*48 ms.*E_AUTH.*Authentication failed \(code 18\)/);
    expect(within(screen.getByRole('region', { name: 'Connection test' })).getByText(/Failed at “Authentication” \(h:27017\) in 61 ms/)).toBeInTheDocument();
    expect(fake.callsTo('connections.test')[0]).toMatchObject({ uri: 'mongodb://dba@h/', secrets: { password: 'wrong' }, discover: true });
  });
});

describe('saved connections', () => {
  const detail: ConnectionDetail = {
    ...connectionSummary({ id: 'c1', name: 'prod', uri: 'mongodb://dba@h:27017/?authSource=admin', nodes: [] }),
    secrets: [{ kind: 'mongodb-password', state: 'session', reason: 'the OS keychain is unavailable (no D-Bus)' }],
    form: { scheme: 'mongodb', hosts: ['h:27017'], auth: { mechanism: 'DEFAULT', username: 'dba', authSource: 'admin' }, tls: { mode: 'default' } },
    secretStorage: { persistent: false, reason: 'the OS keychain is unavailable (no D-Bus)' },
    discover: false,
  };

  it('says when secrets are kept for the session only, and why', async () => {
    const fake = new FakeTransport().handle('connections.list', () => []).handle('connections.secretStorage', () => ({ persistent: false, reason: 'the OS keychain is unavailable (no D-Bus)' }));
    renderWithApp(<ConnectionsPage />, { fake });
    expect(await screen.findByText(/Passwords are kept for this session only: the OS keychain is unavailable \(no D-Bus\)/)).toBeInTheDocument();
  });

  it('edit shows where each secret is kept, never its value, and can forget it', async () => {
    const fake = new FakeTransport();
    fake.handle('connections.get', () => detail).handle('connections.update', (input) => ({ ...detail, name: input.name ?? detail.name }));
    const { user } = setup(fake);
    act(() => fake.emit('connections.changed', { connections: [{ ...detail, nodes: [nodeSummary({ hostPort: 'h:27017' })] }] }));
    const card = screen.getByRole('article', { name: 'prod' });
    expect(within(card).getByRole('list', { name: 'Secrets of prod' })).toHaveTextContent('Password: session only — the OS keychain is unavailable (no D-Bus)');
    await user.click(within(card).getByRole('button', { name: 'Edit prod' }));
    const form = await screen.findByRole('form', { name: 'Edit prod' });
    const pw = within(form).getByLabelText('Password');
    expect(pw).toHaveValue('');
    expect(pw).toHaveAccessibleDescription('session only — the OS keychain is unavailable (no D-Bus)');
    expect(within(form).getByLabelText('MongoDB URI')).toHaveValue('mongodb://dba@h:27017/?authSource=admin');
    await user.click(within(form).getByRole('checkbox', { name: 'Forget it' }));
    await user.clear(within(form).getByLabelText('Name (optional)'));
    await user.type(within(form).getByLabelText('Name (optional)'), 'prod-eu');
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(fake.callsTo('connections.update')).toHaveLength(1));
    expect(fake.callsTo('connections.update')[0]).toEqual({ id: 'c1', name: 'prod-eu', secrets: { password: null } });
  });

  it('shows the topology with member states and settings, and each node’s capabilities', async () => {
    const fake = new FakeTransport();
    setup(fake);
    const members = [
      { hostPort: 'm1:27017', state: 'PRIMARY', health: 1, hidden: false, arbiter: false, delaySecs: 0, priority: 1, votes: 1 },
      { hostPort: 'm3:27017', state: 'SECONDARY', health: 1, hidden: true, arbiter: false, delaySecs: 3600, priority: 0, votes: 1 },
      { hostPort: 'm4:27017', state: 'ARBITER', health: 1, hidden: false, arbiter: true, delaySecs: null, priority: 0, votes: 1 },
    ];
    const node = nodeSummary({
      hostPort: 'm1:27017',
      role: 'PRIMARY',
      capabilities: {
        source: 'privileges',
        users: ['mon@admin'],
        roles: ['clusterMonitor@admin'],
        minimumRole: 'clusterMonitor on admin',
        checkedAt: 0,
        features: [
          { feature: 'serverStatus', label: 'Server metrics (serverStatus)', state: 'available', needs: 'serverStatus on the cluster' },
          { feature: 'explain', label: 'Explain plans', state: 'unavailable', needs: 'find on the namespace', reason: 'needs find on the namespace explained (beyond clusterMonitor)', unlockRole: 'read' },
        ],
      },
    });
    act(() =>
      fake.emit('connections.changed', {
        connections: [
          connectionSummary({
            id: 'c1',
            name: 'rs0',
            nodes: [node],
            topology: { kind: 'replicaSet', members, replicaSet: { name: 'rs0', setVersion: 3, members }, shards: [], configServers: null, discoveredAt: 0, notes: ['replSetGetStatus on m1:27017: Not authorized (code 13)'] },
          }),
        ],
      }),
    );
    const table = screen.getByRole('table', { name: 'Members of rs0' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(['m1:27017PRIMARY', 'm3:27017SECONDARYhidden, delayed 3600 s', 'm4:27017ARBITERarbiter']);
    expect(screen.getByText('replSetGetStatus on m1:27017: Not authorized (code 13)')).toBeInTheDocument();
    const caps = screen.getByRole('table', { name: 'Capabilities on m1:27017' });
    expect(within(caps).getByRole('row', { name: /Explain plans/ })).toHaveTextContent(/off.*needs find on the namespace explained \(beyond clusterMonitor\).*grant read/);
    expect(screen.getByText(/Capabilities: 1 of 2 features on/)).toBeInTheDocument();
  });
});

describe('import and export', () => {
  it('asks for the passphrase when the export carries secrets, then reports what was imported', async () => {
    const { user, fake } = setup();
    let n = 0;
    fake.handle('connections.import', (input) => {
      n++;
      if (!input.passphrase) throw new BaleenError('E_INVALID_INPUT', 'This export carries encrypted secrets: enter the passphrase it was exported with.', { reason: 'passphraseRequired' });
      return { imported: [{ id: 'a', name: 'A' }], skipped: [{ entry: 2, reason: 'no connection string' }], secretsImported: 2, notes: ['1 connection(s) turn off TLS certificate checks: confirm that opt-in in the editor before connecting.'] };
    });
    await user.click(screen.getByRole('button', { name: 'Import…' }));
    const dialog = screen.getByRole('form', { name: 'Import connections' });
    await user.click(within(dialog).getByLabelText('Or paste the content'));
    await user.paste('{"type":"Baleen Connections"}');
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('enter the passphrase');
    await user.type(within(dialog).getByLabelText('Passphrase of the export'), 'correct horse');
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    const done = await within(dialog).findByRole('status');
    expect(done).toHaveTextContent('Imported 1 connection with 2 secrets.');
    expect(done).toHaveTextContent('Entry 2: no connection string');
    expect(n).toBe(2);
    expect(fake.callsTo('connections.import')[1]).toEqual({ content: '{"type":"Baleen Connections"}', passphrase: 'correct horse' });
  });

  it('exports without secrets by default; with secrets only behind a passphrase typed twice', async () => {
    const { user, fake } = setup();
    fake.handle('connections.export', (input) => ({ filename: 'baleen-connections.json', content: '{}', profiles: 3, secretsIncluded: input.passphrase ? 2 : 0, encrypted: !!input.passphrase }));
    await user.click(screen.getByRole('button', { name: 'Export…' }));
    const dialog = screen.getByRole('form', { name: 'Export connections' });
    await user.click(within(dialog).getByRole('button', { name: 'Export' }));
    expect(await within(dialog).findByRole('status')).toHaveTextContent('Exported 3 connections, without secrets.');
    await user.click(within(dialog).getByRole('checkbox', { name: /Include secrets, encrypted with a passphrase/ }));
    await user.type(within(dialog).getByLabelText('Passphrase (8 characters or more)'), 'long enough');
    await user.type(within(dialog).getByLabelText('Passphrase again'), 'long enougX');
    expect(within(dialog).getByText('The passphrases differ.')).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Export' })).toBeDisabled();
    await user.clear(within(dialog).getByLabelText('Passphrase again'));
    await user.type(within(dialog).getByLabelText('Passphrase again'), 'long enough');
    await user.click(within(dialog).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(within(dialog).getByRole('status')).toHaveTextContent('Exported 3 connections with 2 encrypted secrets.'));
    expect(fake.callsTo('connections.export')).toEqual([{}, { passphrase: 'long enough' }]);
  });
});
