// Bad input: an unreachable or hung host fails with E_UNREACHABLE naming the host within a few seconds;
// a malformed URI fails with E_INVALID_INPUT; nothing hangs, nothing is saved (REL-M1).
import { blackHole, freePort } from '../servers/net';
import { startTestCore, type TestCore } from '../helpers/core';

describe('connection failures', () => {
  let t: TestCore;
  beforeAll(() => {
    t = startTestCore({ monitoring: { connectTimeoutMs: 2000 } });
  });
  afterAll(async () => t.close());

  it('REL-M1: a refused port fails fast with E_UNREACHABLE naming the host', async () => {
    const port = await freePort();
    const started = Date.now();
    const e = await t.client.invoke('connections.add', { uri: `mongodb://127.0.0.1:${port}/` }).catch((x) => x);
    const took = Date.now() - started;
    expect(e.code).toBe('E_UNREACHABLE');
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(e.message).toMatch(/refused/);
    expect(took).toBeLessThan(2000);
    expect(await t.client.invoke('connections.list', {})).toEqual([]);
  });

  it('a host that accepts TCP but never answers fails within the connect timeout, not forever', async () => {
    const hole = await blackHole();
    try {
      const started = Date.now();
      const e = await t.client.invoke('connections.add', { uri: `mongodb://127.0.0.1:${hole.port}/` }).catch((x) => x);
      expect(['E_UNREACHABLE', 'E_TIMEOUT']).toContain(e.code);
      expect(e.message).toContain(`127.0.0.1:${hole.port}`);
      expect(Date.now() - started).toBeLessThan(6000);
    } finally {
      await hole.close();
    }
  });

  it('malformed URIs fail with E_INVALID_INPUT and a reason', async () => {
    for (const uri of ['localhost:27017', 'mongodb://', 'mongodb://h:99999/', 'mongodb://h/?tlsInsecure=true&tlsAllowInvalidCertificates=true', 'http://x/']) {
      const e = await t.client.invoke('connections.add', { uri }).catch((x) => x);
      expect(e.code, uri).toBe('E_INVALID_INPUT');
      expect(e.message.length, uri).toBeGreaterThan(10);
    }
    const empty = await t.client.invoke('connections.add', { uri: '   ' }).catch((x) => x);
    expect(empty.code).toBe('E_INVALID_INPUT');
  });

  it('records failed attempts in the audit log as errors', () => {
    const outcomes = t.core.audit.list({ action: 'connection.add' }).filter((r) => r.kind === 'outcome');
    expect(outcomes.length).toBeGreaterThanOrEqual(2);
    expect(outcomes.every((r) => r.result === 'error')).toBe(true);
  });
});
