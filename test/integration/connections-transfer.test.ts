// SEC-C5: exporting and importing connection profiles. The default export has no secret; an export
// with a passphrase seals them (scrypt + AES-256-GCM) and importing it without the passphrase fails
// with `passphraseRequired`; there is no plain-text mode. Compass connection exports and plain URI
// lists import too. Every import and export is audited, without a secret in the record.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemorySecretStore } from '../../src-main/core/ports/secret-store';
import { startTestCore, type TestCore } from '../helpers/core';
import { canaryHits } from './connections-fixtures';

const PW_A = `CANARY-${randomUUID()}`;
const PW_B = `CANARY-${randomUUID()}`;
const KEY_PW = `CANARY-${randomUUID()}`;
const PASSPHRASE = `CANARY-${randomUUID()}`;
const CANARIES = [PW_A, PW_B, KEY_PW, PASSPHRASE];

function dirText(dir: string): string {
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');
}

describe('SEC-C5: export and import of connection profiles', () => {
  let src: TestCore;
  let dst: TestCore;
  const dstSecrets = new MemorySecretStore();
  let plain: string;
  let sealed: string;

  beforeAll(async () => {
    src = startTestCore();
    dst = startTestCore({ secrets: dstSecrets });
    await src.client.invoke('connections.add', { uri: `mongodb://alice:${encodeURIComponent(PW_A)}@a1.corp.example:27017,a2.corp.example:27017/?replicaSet=rsA`, name: 'Prod A', group: 'prod', tags: ['eu', 'billing'], color: 'red', connect: false, discover: true });
    await src.client.invoke('connections.add', {
      uri: 'mongodb://bob@b.corp.example:27017/?tls=true&tlsCertificateKeyFile=%2Fkeys%2Fbob.pem&tlsAllowInvalidHostnames=true&authSource=admin',
      secrets: { password: PW_B, tlsKeyPassword: KEY_PW },
      trustInsecureTls: ['tlsAllowInvalidHostnames'],
      name: 'B (trusted)',
      connect: false,
    });
  });
  afterAll(async () => {
    await src?.close();
    await dst?.close();
  });

  it('the default export carries no secret, in any encoding', async () => {
    const r = await src.client.invoke('connections.export', {});
    expect(r).toMatchObject({ profiles: 2, secretsIncluded: 0, encrypted: false, filename: expect.stringMatching(/^baleen-connections-\d{4}-\d\d-\d\d\.json$/) });
    plain = r.content;
    expect(canaryHits(plain, CANARIES)).toEqual([]);
    const file = JSON.parse(plain);
    expect(file.type).toBe('Baleen Connections');
    expect(file.secrets).toBeUndefined();
    expect(file.profiles[0]).toEqual({ name: 'Prod A', group: 'prod', tags: ['eu', 'billing'], color: 'red', uri: 'mongodb://alice@a1.corp.example:27017,a2.corp.example:27017/?replicaSet=rsA', discover: true });
  });

  it('an export with a passphrase seals the secrets; the file shows none of them', async () => {
    const r = await src.client.invoke('connections.export', { passphrase: PASSPHRASE });
    expect(r).toMatchObject({ profiles: 2, secretsIncluded: 3, encrypted: true, filename: expect.stringMatching(/-encrypted\.json$/) });
    sealed = r.content;
    expect(canaryHits(sealed, CANARIES)).toEqual([]);
    expect(JSON.parse(sealed).secrets).toMatchObject({ kdf: 'scrypt', N: 32768, r: 8, p: 1, cipher: 'aes-256-gcm' });
    const short = await src.client.invoke('connections.export', { passphrase: 'short' }).catch((e: unknown) => e);
    expect(short).toMatchObject({ code: 'E_INVALID_INPUT' });
  });

  it('importing it without the passphrase fails with passphraseRequired; a wrong one or a changed file with passphraseIncorrect', async () => {
    const none = await dst.client.invoke('connections.import', { content: sealed }).catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'E_INVALID_INPUT', details: { reason: 'passphraseRequired' }, message: expect.stringMatching(/enter the passphrase/) });
    const wrong = await dst.client.invoke('connections.import', { content: sealed, passphrase: 'not the passphrase' }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'E_INVALID_INPUT', details: { reason: 'passphraseIncorrect' } });
    const f = JSON.parse(sealed);
    const data = Buffer.from(f.secrets.data, 'base64');
    data[0] = data[0]! ^ 1;
    f.secrets.data = data.toString('base64');
    const tampered = await dst.client.invoke('connections.import', { content: JSON.stringify(f), passphrase: PASSPHRASE }).catch((e: unknown) => e);
    expect(tampered).toMatchObject({ code: 'E_INVALID_INPUT', details: { reason: 'passphraseIncorrect' } });
    // A hostile key-derivation cost is refused before any work is done.
    const costly = JSON.parse(sealed);
    costly.secrets.N = 2 ** 30;
    const started = Date.now();
    expect(await dst.client.invoke('connections.import', { content: JSON.stringify(costly), passphrase: PASSPHRASE }).catch((e: unknown) => e)).toMatchObject({ code: 'E_INVALID_INPUT', details: { reason: 'format' } });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await dst.client.invoke('connections.list', {})).toEqual([]);
  });

  it('with the passphrase every secret comes back to the right profile, and insecure TLS must be confirmed again', async () => {
    const r = await dst.client.invoke('connections.import', { content: sealed, passphrase: PASSPHRASE });
    expect(r.imported.map((i) => i.name)).toEqual(['Prod A', 'B (trusted)']);
    expect(r.secretsImported).toBe(3);
    expect(r.notes.join(' ')).toMatch(/1 connection\(s\) turn off TLS certificate checks: confirm that opt-in/);
    const [a, b] = r.imported;
    expect((await dstSecrets.read(a!.id, 'mongodb-password'))).toMatchObject({ state: 'set', value: PW_A });
    expect((await dstSecrets.read(b!.id, 'mongodb-password'))).toMatchObject({ state: 'set', value: PW_B });
    expect((await dstSecrets.read(b!.id, 'tls-key-password'))).toMatchObject({ state: 'set', value: KEY_PW });
    const list = await dst.client.invoke('connections.list', {});
    expect(list.map((c) => [c.name, c.group ?? null, c.tags, c.color, c.connected])).toEqual([
      ['Prod A', 'prod', ['eu', 'billing'], 'red', false],
      ['B (trusted)', null, [], 'none', false],
    ]);
    expect(list[1]!.insecureTls).toEqual({ flags: ['tlsAllowInvalidHostnames'], confirmed: false });
    const refused = await dst.client.invoke('connections.connect', { id: b!.id }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'E_INVALID_INPUT', details: { reason: 'tls-opt-in-required' } });
  });

  it('imports a Compass connections export: names, colours, plain-text passwords as secrets; sealed Compass secrets are named, bad entries skipped', async () => {
    const compass = {
      type: 'Compass Connections',
      version: { $numberInt: '1' },
      connections: [
        { id: 'c-1', favorite: { name: 'Compass Prod', color: 'color6' }, connectionOptions: { connectionString: `mongodb://carol:${encodeURIComponent(PW_A)}@c.corp.example:27017/?authSource=admin` } },
        { id: 'c-2', favorite: { name: 'Sealed one' }, connectionOptions: { connectionString: 'mongodb://dave@d.corp.example:27017/' }, connectionSecrets: 'AAFSEEDlKaJFiXzDE1UFQ9' },
        { id: 'c-3', favorite: { name: 'Broken' }, connectionOptions: { connectionString: 'mongodb://h:99999/' } },
        { id: 'c-4', connectionOptions: {} },
      ],
    };
    const r = await dst.client.invoke('connections.import', { content: JSON.stringify(compass) });
    expect(r.imported.map((i) => i.name)).toEqual(['Compass Prod', 'Sealed one']);
    expect(r.secretsImported).toBe(1);
    expect(r.skipped.map((s) => [s.entry, s.name ?? null, s.reason.slice(0, 30)])).toEqual([
      [3, null, 'no connection string'],
      [2, 'Broken', 'Bad host "h:99999" in the URI:'],
    ]);
    expect(r.notes.join(' ')).toMatch(/1 connection\(s\) carry secrets encrypted by Compass/);
    const list = await dst.client.invoke('connections.list', {});
    const prod = list.find((c) => c.name === 'Compass Prod')!;
    expect(prod.color).toBe('red');
    expect(prod.uri).toBe('mongodb://carol@c.corp.example:27017/?authSource=admin');
    expect(prod.secrets).toEqual([{ kind: 'mongodb-password', state: 'session', reason: 'secrets are kept for this session only' }]);
    expect(list.find((c) => c.name === 'Sealed one')!.secrets).toEqual([{ kind: 'mongodb-password', state: 'missing' }]);
  });

  it('imports a list of URIs, one per line, skipping comments and saying why a line was skipped', async () => {
    const r = await dst.client.invoke('connections.import', {
      content: ['# staging', 'mongodb://s1.corp.example:27017,s2.corp.example:27017/?replicaSet=stage', '', 'postgres://nope', 'mongodb+srv://cluster0.corp.example/'].join('\n'),
    });
    expect(r.imported.map((i) => i.name)).toEqual(['stage', 'cluster0.corp.example']);
    expect(r.skipped).toEqual([{ entry: 4, reason: 'not a mongodb:// or mongodb+srv:// URI' }]);
    const garbage = await dst.client.invoke('connections.import', { content: '{"hello": 1}' }).catch((e: unknown) => e);
    expect(garbage).toMatchObject({ code: 'E_INVALID_INPUT', details: { reason: 'format' } });
  });

  it('audits every import and export, and no record, file or log holds a secret', () => {
    const exports = src.core.audit.list({ action: 'profiles.export' });
    // The short passphrase was refused by the contract before anything ran: no record for it.
    expect(exports.filter((r) => r.kind === 'intent').map((r) => r.details)).toEqual([
      { profiles: 2, encrypted: true },
      { profiles: 2, encrypted: false },
    ]);
    const imports = dst.core.audit.list({ action: 'profiles.import' });
    expect(imports.filter((r) => r.kind === 'outcome').map((r) => r.result)).toEqual(['error', 'ok', 'ok', 'ok', 'error', 'error', 'error', 'error']);
    expect(canaryHits(dirText(src.dataDir), CANARIES)).toEqual([]);
    expect(canaryHits(dirText(dst.dataDir), CANARIES)).toEqual([]);
  });
});
