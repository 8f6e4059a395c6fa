import type { Document } from '../../bson/bson';
import type { SimNode } from '../node/sim-node';

/** The server's error codes the simulator uses (src/mongo/base/error_codes.yml). */
export const ServerErrorCode = {
  InternalError: 1,
  BadValue: 2,
  Unauthorized: 13,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  MaxTimeMSExpired: 50,
  NoReplicationEnabled: 76,
  CommandNotFound: 59,
  ClientMetadataCannotBeMutated: 186,
  UnsupportedOpQueryCommand: 352,
  NotWritablePrimary: 10107,
  Location40571: 40571,
} as const;
export type ServerErrorCodeName = keyof typeof ServerErrorCode;

/** A command failure, answered as `{ok: 0, errmsg, code, codeName}` like a real server. */
export class SimCommandError extends Error {
  readonly code: number;
  constructor(
    readonly codeName: ServerErrorCodeName,
    message: string,
  ) {
    super(message);
    this.code = ServerErrorCode[codeName];
  }
}

/** An authenticated identity. No mechanism exists yet; the seam where SCRAM will set it. */
export interface SimPrincipal {
  user: string;
  db: string;
  roles: { role: string; db: string }[];
}

/** Per-connection state shared by the commands run on it. */
export interface SimSession {
  readonly connectionId: number;
  readonly remoteAddress: string;
  /** hello commands seen on this connection (client metadata is allowed only in the first). */
  hellos: number;
  clientMetadata: Document | undefined;
  principal: SimPrincipal | undefined;
}

export interface CommandContext {
  readonly node: SimNode;
  readonly session: SimSession;
  /** The command document, with OP_MSG document sequences folded in as arrays. */
  readonly body: Document;
  /** The name as the client sent it (`ismaster`, `isMaster`, `hello`...). */
  readonly name: string;
  readonly db: string;
  /** Aborted when the connection closes or the simulator stops. */
  readonly signal: AbortSignal;
  /** Arrived as a legacy OP_QUERY (only the handshake may). */
  readonly legacy: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** Fault matchers naming the group match every member (`hello` covers isMaster and ismaster). */
  readonly group?: string;
  /** False for what a client may run before authenticating (hello, ping, buildInfo...). */
  readonly requiresAuth: boolean;
  /** Accepted over OP_QUERY: since 5.1 only the handshake is. */
  readonly allowedOverOpQuery?: boolean;
  /** Streaming replies (OP_MSG exhaust): whether this request may stream, and the request to re-run. */
  readonly exhaust?: {
    supports(body: Document, node: SimNode): boolean;
    next(body: Document, reply: Document): Document;
  };
  run(ctx: CommandContext): Document | Promise<Document>;
}

/** name → handler. Commands are added by registering specs, never by editing a switch. */
export class CommandTable {
  private readonly byName = new Map<string, CommandSpec>();
  private readonly specs: CommandSpec[] = [];

  register(spec: CommandSpec): this {
    for (const n of [spec.name, ...(spec.aliases ?? [])]) {
      if (this.byName.has(n)) throw new Error(`command "${n}" is already registered`);
    }
    for (const n of [spec.name, ...(spec.aliases ?? [])]) this.byName.set(n, spec);
    this.specs.push(spec);
    return this;
  }

  /** Swap the handler of an existing command (a mongos answers hello its own way). */
  replace(spec: CommandSpec): this {
    const old = this.byName.get(spec.name);
    if (!old) throw new Error(`command "${spec.name}" is not registered`);
    for (const n of [old.name, ...(old.aliases ?? [])]) this.byName.delete(n);
    this.specs.splice(this.specs.indexOf(old), 1);
    return this.register(spec);
  }

  lookup(name: string): CommandSpec | undefined {
    return this.byName.get(name);
  }

  /** Canonical names of every registered command. */
  names(): string[] {
    return this.specs.map((s) => s.name);
  }
}

/** Decides whether a session may run a command. The seam for authentication. */
export interface Authorizer {
  check(spec: CommandSpec, session: SimSession): SimCommandError | undefined;
}

/** No authentication: everything is allowed (a mongod without --auth). */
export const openAuthorizer: Authorizer = { check: () => undefined };

/** A mongod with --auth: commands that need authentication fail with code 13 until a principal is set. */
export const requireAuthAuthorizer: Authorizer = {
  check(spec, session) {
    if (!spec.requiresAuth || session.principal !== undefined) return undefined;
    return new SimCommandError('Unauthorized', `Command ${spec.name} requires authentication`);
  },
};
