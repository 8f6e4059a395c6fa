import { MongoClient } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import { canonicalHostPort } from '../../../src-shared/domain/identity';

/**
 * A `mongodb://` URI taken apart: the password is split off (it goes to the SecretStore, never to disk
 * or to the renderer) and each host can be given its own direct-connection URI (REL-M2).
 */
export interface ParsedMongoUri {
  /** The URI with the password removed: safe to store and show. */
  safe: string;
  hosts: string[];
  username: string | null;
  password: string | null;
  replicaSet: string | null;
}

export function parseMongoUri(uri: string): ParsedMongoUri {
  let cs: ConnectionString;
  try {
    cs = new ConnectionString(uri.trim());
  } catch (e) {
    throw new BaleenError('E_INVALID_INPUT', `Not a valid MongoDB URI: ${errorMessage(e)}. It should look like mongodb://host:27017/.`);
  }
  if (cs.isSRV) {
    throw new BaleenError('E_INVALID_INPUT', 'mongodb+srv:// URIs are not supported yet: list the hosts in a mongodb:// URI instead.');
  }
  if (cs.hosts.length === 0) throw new BaleenError('E_INVALID_INPUT', 'The URI names no host.');
  // The driver knows every option and which combinations are invalid (uri-options spec): let it judge.
  try {
    new MongoClient(cs.toString(), { serverSelectionTimeoutMS: 1 });
  } catch (e) {
    throw new BaleenError('E_INVALID_INPUT', `The URI's options are not valid: ${errorMessage(e)}`);
  }
  const hosts = cs.hosts.map((h) => {
    try {
      return canonicalHostPort(h);
    } catch (e) {
      throw new BaleenError('E_INVALID_INPUT', `Bad host "${h}" in the URI: ${errorMessage(e)}`);
    }
  });
  const username = cs.username ? decodeURIComponent(cs.username) : null;
  const password = cs.password ? decodeURIComponent(cs.password) : null;
  const safe = cs.clone();
  safe.password = '';
  return { safe: safe.toString(), hosts, username, password, replicaSet: cs.searchParams.get('replicaSet') };
}

/** A URI for one host only, with the password put back in memory and directConnection on (REL-M2). */
export function directUri(safeUri: string, host: string, password: string | null): string {
  const cs = new ConnectionString(safeUri);
  cs.hosts = [host];
  if (password !== null && cs.username) cs.password = encodeURIComponent(password);
  cs.searchParams.delete('replicaSet');
  cs.searchParams.set('directConnection', 'true');
  return cs.toString();
}

/** Redact any credentials from a URI for messages and logs. */
export function redactUri(uri: string): string {
  try {
    return new ConnectionString(uri).redact({ redactUsernames: false }).toString();
  } catch {
    return '<unparseable URI>';
  }
}
