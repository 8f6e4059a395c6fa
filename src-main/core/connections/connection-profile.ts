import { MongoClient } from 'mongodb';
import { CommaAndColonSeparatedRecord, ConnectionString } from 'mongodb-connection-string-url';
import {
  AUTH_MECHANISMS,
  INSECURE_TLS_FLAGS,
  READ_PREFERENCES,
  type AuthMechanism,
  type ConnectionForm,
  type InsecureTlsFlag,
  type SecretKind,
} from '../../../src-shared/contract';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import { canonicalHostPort } from '../../../src-shared/domain/identity';

/**
 * A connection target in its two forms: the URI (what is stored, with no secret in it) and the form
 * the editor shows. Secrets found in a pasted URI (password, tlsCertificateKeyFilePassword,
 * AWS_SESSION_TOKEN) are taken out here and go to the SecretStore; nothing downstream ever sees a URI
 * with a secret in it. Invalid combinations are refused with the reason: ours first, then the
 * driver's own parser (the uri-options spec), which knows every option.
 */
export interface ParsedTarget {
  form: ConnectionForm;
  /** The canonical URI without any secret: safe to store, show, log and audit. */
  safeUri: string;
  /** Secrets the URI carried, by kind. */
  secrets: Partial<Record<SecretKind, string>>;
  insecureTls: InsecureTlsFlag[];
  notes: string[];
}

const invalid = (message: string, reason = 'invalid-option') => new BaleenError('E_INVALID_INPUT', message, { reason });

const EXTERNAL_MECHANISMS = new Set<AuthMechanism>(['MONGODB-X509', 'PLAIN', 'GSSAPI', 'MONGODB-AWS']);
const NEEDS_USERNAME = new Set<AuthMechanism>(['DEFAULT', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'PLAIN', 'GSSAPI']);
const NEEDS_PASSWORD = new Set<AuthMechanism>(['DEFAULT', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'PLAIN']);

/** Options the form owns (lower-cased), so they are not kept twice in `options`. */
const FORM_OPTIONS = new Set(
  [
    'replicaSet',
    'directConnection',
    'authMechanism',
    'authSource',
    'authMechanismProperties',
    'tls',
    'ssl',
    'tlsCAFile',
    'tlsCertificateKeyFile',
    'tlsCertificateKeyFilePassword',
    'proxyPassword',
    'tlsAllowInvalidCertificates',
    'tlsAllowInvalidHostnames',
    'tlsInsecure',
    'readPreference',
    // Baleen names itself baleen/<version>; a pasted appName is not kept.
    'appName',
  ].map((s) => s.toLowerCase()),
);

const truthy = (v: string | null) => v !== null && v.toLowerCase() === 'true';

function parseConnectionString(uri: string): ConnectionString {
  try {
    return new ConnectionString(uri.trim());
  } catch (e) {
    throw invalid(`Not a valid MongoDB URI: ${errorMessage(e)}. It should look like mongodb://host:27017/.`, 'uri-syntax');
  }
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalid('The URI has a badly percent-encoded user name or password.', 'uri-syntax');
  }
}

/** A pasted URI → form + secrets + safe URI. Throws E_INVALID_INPUT with the reason. */
export function parseUri(uri: string): ParsedTarget {
  const cs = parseConnectionString(uri);
  if (cs.hosts.length === 0) throw invalid('The URI names no host.', 'no-host');
  const p = cs.searchParams;
  const secrets: Partial<Record<SecretKind, string>> = {};
  if (cs.password) secrets['mongodb-password'] = decode(cs.password);
  const keyPassword = p.get('tlsCertificateKeyFilePassword');
  if (keyPassword) secrets['tls-key-password'] = keyPassword;
  const proxyPassword = p.get('proxyPassword');
  if (proxyPassword) secrets['proxy-password'] = proxyPassword;

  const mechRaw = p.get('authMechanism');
  const username = cs.username ? decode(cs.username) : undefined;
  let mechanism: AuthMechanism;
  if (mechRaw === null) mechanism = username ? 'DEFAULT' : 'NONE';
  else {
    const m = AUTH_MECHANISMS.find((x) => x === mechRaw.toUpperCase());
    if (!m || m === 'NONE') throw invalid(`Unknown authMechanism "${mechRaw}": use one of ${AUTH_MECHANISMS.filter((x) => x !== 'NONE').join(', ')}.`, 'auth-mechanism');
    mechanism = m;
  }
  let serviceName: string | undefined;
  const extraProps: string[] = [];
  const propsRaw = p.get('authMechanismProperties');
  if (propsRaw) {
    for (const [k, v] of new CommaAndColonSeparatedRecord(propsRaw)) {
      if (k.toUpperCase() === 'AWS_SESSION_TOKEN') secrets['aws-session-token'] = v;
      else if (k.toUpperCase() === 'SERVICE_NAME') serviceName = v;
      else extraProps.push(`${k}:${v}`);
    }
  }
  const pathDb = cs.pathname.replace(/^\//, '');
  const authSource = p.get('authSource') ?? (mechanism !== 'NONE' && pathDb !== '' ? decode(pathDb) : undefined);

  const tlsRaw = p.get('tls') ?? p.get('ssl');
  const insecure = truthy(p.get('tlsInsecure'));
  const readPreference = p.get('readPreference');
  if (readPreference !== null && !READ_PREFERENCES.some((r) => r === readPreference)) {
    throw invalid(`Unknown readPreference "${readPreference}": use one of ${READ_PREFERENCES.join(', ')}.`, 'read-preference');
  }
  const options: Record<string, string> = {};
  for (const [k, v] of p) if (!FORM_OPTIONS.has(k.toLowerCase())) options[k] = v;
  if (extraProps.length > 0) options.authMechanismProperties = extraProps.join(',');

  const hosts = cs.isSRV ? [cs.hosts[0]!.toLowerCase()] : cs.hosts.map((h) => hostOrThrow(h));
  const form: ConnectionForm = {
    scheme: cs.isSRV ? 'mongodb+srv' : 'mongodb',
    hosts,
    ...(p.get('replicaSet') ? { replicaSet: p.get('replicaSet')! } : {}),
    ...(p.has('directConnection') ? { directConnection: truthy(p.get('directConnection')) } : {}),
    auth: {
      mechanism,
      ...(username !== undefined ? { username } : {}),
      ...(authSource !== undefined ? { authSource } : {}),
      ...(serviceName !== undefined ? { serviceName } : {}),
    },
    tls: {
      mode: tlsRaw === null ? 'default' : truthy(tlsRaw) ? 'on' : 'off',
      ...(p.get('tlsCAFile') ? { caFile: p.get('tlsCAFile')! } : {}),
      ...(p.get('tlsCertificateKeyFile') ? { certificateKeyFile: p.get('tlsCertificateKeyFile')! } : {}),
      ...(insecure || truthy(p.get('tlsAllowInvalidCertificates')) ? { allowInvalidCertificates: true } : {}),
      ...(insecure || truthy(p.get('tlsAllowInvalidHostnames')) ? { allowInvalidHostnames: true } : {}),
    },
    ...(readPreference !== null ? { readPreference: readPreference as ConnectionForm['readPreference'] } : {}),
    ...(Object.keys(options).length > 0 ? { options } : {}),
  };
  if (insecure && (p.has('tlsAllowInvalidCertificates') || p.has('tlsAllowInvalidHostnames'))) {
    throw invalid('tlsInsecure cannot be combined with tlsAllowInvalidCertificates or tlsAllowInvalidHostnames (uri-options spec).', 'tls-insecure-conflict');
  }
  const built = fromForm(form);
  if (insecure) built.notes.push('tlsInsecure was split into tlsAllowInvalidCertificates and tlsAllowInvalidHostnames.');
  if (cs.searchParams.has('appName')) built.notes.push(`The URI's appName is replaced by baleen/<version>, so DBAs can tell Baleen's connections apart.`);
  return { ...built, secrets };
}

function hostOrThrow(h: string): string {
  try {
    return canonicalHostPort(h);
  } catch (e) {
    throw invalid(`Bad host "${h}" in the URI: ${errorMessage(e)}`, 'bad-host');
  }
}

/** The secrets this form needs to connect (the editor shows these fields). */
export function neededSecrets(form: ConnectionForm): SecretKind[] {
  const out: SecretKind[] = [];
  if (NEEDS_PASSWORD.has(form.auth.mechanism)) out.push('mongodb-password');
  if (form.tls.certificateKeyFile) out.push('tls-key-password');
  if (form.options && Object.keys(form.options).some((k) => k.toLowerCase() === 'proxyusername')) out.push('proxy-password');
  // MONGODB-AWS: the 7.x driver takes credentials only from the AWS SDK's own sources (environment,
  // profile, instance role), never from the URI, so there is nothing to store here.
  return out;
}

/** Which kinds must be present for a connection attempt (the others are optional: an unencrypted key, no session token). */
export function requiredSecrets(form: ConnectionForm): SecretKind[] {
  return NEEDS_PASSWORD.has(form.auth.mechanism) ? ['mongodb-password'] : [];
}

export function insecureFlags(form: ConnectionForm): InsecureTlsFlag[] {
  const out: InsecureTlsFlag[] = [];
  if (form.tls.allowInvalidCertificates) out.push('tlsAllowInvalidCertificates');
  if (form.tls.allowInvalidHostnames) out.push('tlsAllowInvalidHostnames');
  return out;
}

/** Form → canonical URI without secrets, checked by our rules and by the driver. */
export function fromForm(form: ConnectionForm): ParsedTarget {
  const notes: string[] = [];
  const { auth, tls } = form;
  const srv = form.scheme === 'mongodb+srv';
  const hosts = srv ? form.hosts.map((h) => h.trim().toLowerCase()) : form.hosts.map((h) => hostOrThrow(h));
  if (srv) {
    if (hosts.length !== 1) throw invalid('A mongodb+srv URI names exactly one host (the SRV name).', 'srv-hosts');
    if (/:\d+$/.test(hosts[0]!)) throw invalid('A mongodb+srv host has no port: the SRV record gives the ports.', 'srv-port');
    if (form.directConnection) throw invalid('directConnection cannot be used with mongodb+srv (uri-options spec).', 'srv-direct');
    if (tls.mode === 'default') notes.push('mongodb+srv turns TLS on unless tls=false is given.');
  }
  if (form.directConnection && hosts.length > 1) throw invalid('directConnection=true needs exactly one host.', 'direct-hosts');

  // Authentication rules (auth spec): each mechanism's user, source and secret.
  const mech = auth.mechanism;
  const user = auth.username?.length ? auth.username : undefined;
  if (mech === 'NONE' && user) throw invalid('A user name is given but no authentication: choose a mechanism (DEFAULT uses SCRAM) or remove the user name.', 'auth-mechanism');
  if (NEEDS_USERNAME.has(mech) && !user) throw invalid(`${mech === 'DEFAULT' ? 'Password authentication' : mech} needs a user name.`, 'auth-username');
  if (EXTERNAL_MECHANISMS.has(mech) && auth.authSource && auth.authSource !== '$external') {
    throw invalid(`${mech} authenticates against $external; authSource "${auth.authSource}" is not allowed.`, 'auth-source');
  }
  if (mech === 'NONE' && auth.authSource) throw invalid('authSource is set but no authentication is configured.', 'auth-source');
  if (auth.serviceName && mech !== 'GSSAPI') throw invalid('SERVICE_NAME only applies to Kerberos (GSSAPI).', 'auth-properties');

  if (tls.mode === 'off' && (tls.caFile || tls.certificateKeyFile || tls.allowInvalidCertificates || tls.allowInvalidHostnames)) {
    throw invalid('TLS is off, but TLS options are set: turn TLS on or remove them.', 'tls-off-options');
  }
  if ((tls.caFile || tls.certificateKeyFile || tls.allowInvalidCertificates || tls.allowInvalidHostnames) && tls.mode === 'default' && !srv) {
    notes.push('TLS options are set, so TLS is turned on.');
  }
  if (mech === 'MONGODB-X509' && !tls.certificateKeyFile) throw invalid('X.509 authentication needs a client certificate (tlsCertificateKeyFile).', 'x509-cert');

  const cs = new ConnectionString(`${form.scheme}://${srv ? hosts[0] : hosts.join(',')}/`);
  if (user) cs.username = encodeURIComponent(user);
  const p = cs.searchParams;
  if (form.replicaSet) p.set('replicaSet', form.replicaSet);
  if (form.directConnection !== undefined) p.set('directConnection', String(form.directConnection));
  if (mech !== 'NONE' && mech !== 'DEFAULT') p.set('authMechanism', mech);
  if (auth.authSource) p.set('authSource', auth.authSource);
  const props: string[] = [];
  if (auth.serviceName) props.push(`SERVICE_NAME:${auth.serviceName}`);
  const tlsWanted = tls.mode === 'on' || (tls.mode === 'default' && (tls.caFile || tls.certificateKeyFile || tls.allowInvalidCertificates || tls.allowInvalidHostnames));
  if (tlsWanted) p.set('tls', 'true');
  else if (tls.mode === 'off') p.set('tls', 'false');
  if (tls.caFile) p.set('tlsCAFile', tls.caFile);
  if (tls.certificateKeyFile) p.set('tlsCertificateKeyFile', tls.certificateKeyFile);
  if (tls.allowInvalidCertificates) p.set('tlsAllowInvalidCertificates', 'true');
  if (tls.allowInvalidHostnames) p.set('tlsAllowInvalidHostnames', 'true');
  if (form.readPreference) p.set('readPreference', form.readPreference);
  for (const [k, v] of Object.entries(form.options ?? {})) {
    if (/^(proxypassword|tlscertificatekeyfilepassword)$/i.test(k)) throw invalid(`${k} is a secret: enter it in its own field.`, 'secret-in-options');
    if (FORM_OPTIONS.has(k.toLowerCase()) && k.toLowerCase() !== 'authmechanismproperties') throw invalid(`Set ${k} with its own field, not as an extra option.`, 'duplicate-option');
    if (k.toLowerCase() === 'authmechanismproperties') {
      if (/AWS_SESSION_TOKEN/i.test(v)) throw invalid('AWS_SESSION_TOKEN is a secret: enter it in its own field.', 'secret-in-options');
      props.push(v);
    } else p.set(k, v);
  }
  if (props.length > 0) p.set('authMechanismProperties', props.join(','));
  const safeUri = cs.toString();
  driverCheck(safeUri, mech);
  return { form: { ...form, hosts }, safeUri, secrets: {}, insecureTls: insecureFlags(form), notes };
}

/**
 * The driver's parser knows every option and which combinations are invalid (uri-options spec): let
 * it judge, with a placeholder where a secret will go so it does not object to a missing password.
 */
function driverCheck(safeUri: string, mech: AuthMechanism): void {
  try {
    const opts: Record<string, unknown> = { serverSelectionTimeoutMS: 1 };
    const cs = new ConnectionString(safeUri);
    if (NEEDS_PASSWORD.has(mech) && cs.username) opts.auth = { username: decodeURIComponent(cs.username), password: 'x' };
    if (cs.searchParams.has('proxyUsername')) opts.proxyPassword = 'x';
    new MongoClient(safeUri, opts);
  } catch (e) {
    const msg = errorMessage(e);
    if (/kerberos|gssapi/i.test(msg) && mech === 'GSSAPI') return; // checked again when connecting
    throw invalid(`The connection options are not valid: ${msg}`, 'driver');
  }
}

/** Only the insecure flags the URI or form sets; everything else about TLS is safe by default. */
export function isInsecureFlag(s: string): s is InsecureTlsFlag {
  return (INSECURE_TLS_FLAGS as readonly string[]).includes(s);
}

/**
 * The safe stored URI back into a form (for the editor). Parsing runs the driver's own check (a
 * MongoClient is built), and every connection summary needs the form: a stored URI is parsed once
 * and its form kept (a copy each time, so no caller can change the kept one).
 */
export function formOf(safeUri: string): ConnectionForm {
  let form = formCache.get(safeUri);
  if (!form) {
    form = parseUri(safeUri).form;
    if (formCache.size >= FORM_CACHE_MAX) formCache.delete(formCache.keys().next().value!);
    formCache.set(safeUri, form);
  }
  return structuredClone(form);
}
const FORM_CACHE_MAX = 1024;
const formCache = new Map<string, ConnectionForm>();

/** Redact any credentials from a URI for messages and logs. */
export function redactUri(uri: string): string {
  try {
    return new ConnectionString(uri).redact({ redactUsernames: false }).toString();
  } catch {
    return '<unparseable URI>';
  }
}
