import { Binary, type Document } from '../../bson/bson';
import { type ScramConversation, type ScramCredential, scramCredential, scramFinish, scramServerFirst, scramStart } from '../auth/scram-sha256';
import { dbl, i32 } from '../documents/bson-values';
import type { CommandSpec, CommandTable, SimSession } from './command-table';

/**
 * SCRAM-SHA-256 login for a simulated mongod started with `requireAuth`: saslStart / saslContinue set
 * the session's principal on success and answer AuthenticationFailed (18) otherwise. Users can be
 * added, have their password changed or be dropped while the node runs (REL-M4).
 */
export interface SimUser {
  user: string;
  db: string;
  password: string;
  roles: { role: string; db: string }[];
}

export class SimUserDirectory {
  private readonly users = new Map<string, { cred: ScramCredential; roles: SimUser['roles']; user: string; db: string }>();
  /** saslStart requests seen, and how many of those conversations failed. */
  attempts = 0;
  failures = 0;

  constructor(users: readonly SimUser[] = []) {
    for (const u of users) this.add(u);
  }

  add(u: SimUser): void {
    // Few iterations: the simulator is for tests, not for protecting anything.
    this.users.set(`${u.db}.${u.user}`, { cred: scramCredential(u.password, 4096), roles: u.roles.map((r) => ({ ...r })), user: u.user, db: u.db });
  }

  setPassword(user: string, db: string, password: string): void {
    const u = this.users.get(`${db}.${user}`);
    if (!u) throw new RangeError(`no user ${user}@${db}`);
    u.cred = scramCredential(password, 4096);
  }

  drop(user: string, db: string): void {
    this.users.delete(`${db}.${user}`);
  }

  lookup(user: string, db: string) {
    return this.users.get(`${db}.${user}`);
  }
}

const authFailed = (): Document => ({ ok: dbl(0), errmsg: 'Authentication failed.', code: i32(18), codeName: 'AuthenticationFailed' });

interface Conversation extends ScramConversation {
  db: string;
  done: boolean;
  skipEmptyExchange: boolean;
}

function payloadText(v: unknown): string | null {
  if (v instanceof Binary) return Buffer.from(v.buffer).toString('utf8');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (typeof v === 'string') return v;
  return null;
}

const bin = (s: string) => new Binary(Buffer.from(s, 'utf8'));

export function registerScramAuth(table: CommandTable, users: SimUserDirectory): CommandTable {
  const conversations = new WeakMap<SimSession, Conversation>();
  const saslStart: CommandSpec = {
    name: 'saslStart',
    requiresAuth: false,
    run: (ctx) => {
      users.attempts += 1;
      const mechanism = ctx.body.mechanism;
      const text = payloadText(ctx.body.payload);
      if (mechanism !== 'SCRAM-SHA-256' || text === null) {
        users.failures += 1;
        return { ok: dbl(0), errmsg: `Received authentication for mechanism ${String(mechanism)} which is not enabled`, code: i32(334), codeName: 'MechanismUnavailable' };
      }
      const start = scramStart(text);
      const found = start && users.lookup(start.user, ctx.db);
      if (!start || !found) {
        users.failures += 1;
        return authFailed();
      }
      const { serverFirst, nonce } = scramServerFirst(start.clientNonce, found.cred);
      conversations.set(ctx.session, { user: start.user, db: ctx.db, clientFirstBare: start.clientFirstBare, serverFirst, nonce, done: false, skipEmptyExchange: (ctx.body.options as { skipEmptyExchange?: unknown } | undefined)?.skipEmptyExchange === true });
      return { conversationId: i32(1), done: false, payload: bin(serverFirst), ok: dbl(1) };
    },
  };
  const saslContinue: CommandSpec = {
    name: 'saslContinue',
    requiresAuth: false,
    run: (ctx) => {
      const conv = conversations.get(ctx.session);
      if (!conv) return { ok: dbl(0), errmsg: 'No SASL session state found', code: i32(17), codeName: 'ProtocolError' };
      if (conv.done) {
        conversations.delete(ctx.session);
        return { conversationId: i32(1), done: true, payload: bin(''), ok: dbl(1) };
      }
      const found = users.lookup(conv.user, conv.db);
      const text = payloadText(ctx.body.payload);
      const serverFinal = found && text !== null ? scramFinish(conv, text, found.cred) : null;
      if (!found || serverFinal === null) {
        conversations.delete(ctx.session);
        users.failures += 1;
        return authFailed();
      }
      ctx.session.principal = { user: found.user, db: found.db, roles: found.roles.map((r) => ({ ...r })) };
      const skipEmpty = conv.skipEmptyExchange;
      conv.done = true;
      if (skipEmpty) conversations.delete(ctx.session);
      return { conversationId: i32(1), done: skipEmpty, payload: bin(serverFinal), ok: dbl(1) };
    },
  };
  return table.register(saslStart).register(saslContinue);
}
