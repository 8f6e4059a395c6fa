import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import { type ImportInput, InsecureTlsFlag, PROFILE_COLORS, ProfileColor, SecretKind, SshHop } from '../../../src-shared/contract';
import { BaleenError } from '../../../src-shared/domain/errors';

/**
 * Import and export of connection profiles (SEC-C5). An export never carries a secret in clear:
 * without a passphrase it has none; with one, the secrets are sealed with scrypt + AES-256-GCM, and
 * importing them without the right passphrase fails with a clear, typed error. Imports read Baleen
 * exports, Compass connection exports (`connections[].connectionOptions.connectionString`, favorite
 * name and colour; Compass's own encrypted secrets are not read) and plain lists of URIs.
 */
export const EXPORT_TYPE = 'Baleen Connections';
const EXPORT_VERSION = 1;

export interface TransferProfile {
  name: string;
  group?: string;
  tags?: string[];
  color?: ProfileColor;
  /** A secret-free URI on export; on import it may carry a password, which is taken out as a secret. */
  uri: string;
  trustInsecureTls?: InsecureTlsFlag[];
  sshHops?: SshHop[];
  discover?: boolean;
}

export interface TransferSecret {
  /** Index into the profiles array. */
  profile: number;
  kind: SecretKind;
  value: string;
}

const KDF = { N: 1 << 15, r: 8, p: 1 } as const;
const MAX_KDF = { N: 1 << 20, r: 16, p: 4 } as const;

function scrypt(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const opts: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(passphrase.normalize('NFC'), salt, 32, opts, (e, key) => (e ? reject(e) : resolve(key))));
}

const Sealed = z
  .object({
    kdf: z.literal('scrypt'),
    N: z.number().int().min(1024).max(MAX_KDF.N),
    r: z.number().int().min(1).max(MAX_KDF.r),
    p: z.number().int().min(1).max(MAX_KDF.p),
    salt: z.string().min(16).max(100),
    cipher: z.literal('aes-256-gcm'),
    iv: z.string().min(12).max(40),
    tag: z.string().min(16).max(40),
    data: z.string().max(4_000_000),
  })
  .strict();

const ExportFile = z
  .object({
    type: z.literal(EXPORT_TYPE),
    version: z.literal(EXPORT_VERSION),
    exportedAt: z.string().optional(),
    profiles: z
      .array(
        z
          .object({
            name: z.string().max(200),
            group: z.string().max(100).optional(),
            tags: z.array(z.string().max(50)).max(20).optional(),
            color: ProfileColor.optional(),
            uri: z.string().min(1).max(4096),
            trustInsecureTls: z.array(InsecureTlsFlag).max(3).optional(),
            sshHops: z.array(SshHop).max(5).optional(),
            discover: z.boolean().optional(),
          })
          .strict(),
      )
      .max(10_000),
    secrets: Sealed.optional(),
  })
  .strict();

const AAD = Buffer.from(`${EXPORT_TYPE} v${EXPORT_VERSION} secrets`);

export async function buildExport(profiles: TransferProfile[], secrets: TransferSecret[], passphrase: string | undefined, now: Date): Promise<{ content: string; secretsIncluded: number; encrypted: boolean }> {
  const file: z.input<typeof ExportFile> = { type: EXPORT_TYPE, version: EXPORT_VERSION, exportedAt: now.toISOString(), profiles };
  if (passphrase !== undefined) {
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const key = await scrypt(passphrase, salt, KDF);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(AAD);
    const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    file.secrets = { kdf: 'scrypt', ...KDF, salt: salt.toString('base64'), cipher: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }
  return { content: `${JSON.stringify(file, null, 2)}\n`, secretsIncluded: passphrase !== undefined ? secrets.length : 0, encrypted: passphrase !== undefined };
}

export interface ParsedImport {
  format: 'baleen' | 'compass' | 'uri-list';
  profiles: (TransferProfile & { entry: number })[];
  secrets: TransferSecret[];
  skipped: { entry: number; name?: string; reason: string }[];
  notes: string[];
}

const invalid = (message: string, reason: string) => new BaleenError('E_INVALID_INPUT', message, { reason });

const SecretList = z.array(z.object({ profile: z.number().int().min(0), kind: SecretKind, value: z.string().min(1).max(8192) }).strict()).max(100_000);

async function openSecrets(sealed: z.infer<typeof Sealed>, passphrase: string | undefined): Promise<TransferSecret[]> {
  if (passphrase === undefined) {
    throw invalid('This export carries encrypted secrets: enter the passphrase it was exported with (or remove the secrets from the file to import the connections alone).', 'passphraseRequired');
  }
  const key = await scrypt(passphrase, Buffer.from(sealed.salt, 'base64'), sealed);
  try {
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    d.setAAD(AAD);
    d.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const text = Buffer.concat([d.update(Buffer.from(sealed.data, 'base64')), d.final()]).toString('utf8');
    const parsed = SecretList.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error('bad secret list');
    return parsed.data;
  } catch {
    throw invalid('The passphrase is wrong, or the file was changed after it was exported: no secret could be read.', 'passphraseIncorrect');
  }
}

/** Compass's favourite colours (color1…color10) in Baleen's palette. */
const COMPASS_COLORS: Record<string, ProfileColor> = {
  color1: 'green',
  color2: 'teal',
  color3: 'blue',
  color4: 'purple',
  color5: 'pink',
  color6: 'red',
  color7: 'orange',
  color8: 'yellow',
  color9: 'grey',
  color10: 'teal',
};

const CompassFile = z.object({
  type: z.string().optional(),
  version: z.unknown().optional(),
  connections: z.array(z.unknown()).max(10_000),
});

function fromCompass(json: z.infer<typeof CompassFile>): ParsedImport {
  const out: ParsedImport = { format: 'compass', profiles: [], secrets: [], skipped: [], notes: [] };
  let sealed = 0;
  let ssh = 0;
  json.connections.forEach((raw, entry) => {
    const c = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const fav = (typeof c.favorite === 'object' && c.favorite !== null ? c.favorite : {}) as Record<string, unknown>;
    const opts = (typeof c.connectionOptions === 'object' && c.connectionOptions !== null ? c.connectionOptions : {}) as Record<string, unknown>;
    const name = typeof fav.name === 'string' && fav.name.trim() ? fav.name.trim().slice(0, 200) : undefined;
    if (typeof opts.connectionString !== 'string' || opts.connectionString.length > 4096) {
      out.skipped.push({ entry, ...(name ? { name } : {}), reason: 'no connection string' });
      return;
    }
    if (typeof c.connectionSecrets === 'string') sealed++;
    if (opts.sshTunnel) ssh++;
    const color = typeof fav.color === 'string' ? (COMPASS_COLORS[fav.color] ?? (PROFILE_COLORS as readonly string[]).find((x) => x === fav.color)) : undefined;
    out.profiles.push({ entry, name: name ?? '', uri: opts.connectionString, ...(color ? { color: color as ProfileColor } : {}) });
  });
  if (sealed > 0) out.notes.push(`${sealed} connection(s) carry secrets encrypted by Compass, which Baleen does not read: enter their passwords in the editor.`);
  if (ssh > 0) out.notes.push(`${ssh} connection(s) use an SSH tunnel in Compass; add the SSH hop in the editor.`);
  return out;
}

function fromUriList(text: string): ParsedImport {
  const out: ParsedImport = { format: 'uri-list', profiles: [], secrets: [], skipped: [], notes: [] };
  text.split(/\r?\n/).forEach((line, i) => {
    const uri = line.trim();
    if (uri === '' || uri.startsWith('#')) return;
    if (!/^mongodb(\+srv)?:\/\//i.test(uri)) {
      out.skipped.push({ entry: i + 1, reason: 'not a mongodb:// or mongodb+srv:// URI' });
      return;
    }
    out.profiles.push({ entry: i + 1, name: '', uri });
  });
  return out;
}

/** Parses an import file; secrets are opened only with the right passphrase. */
export async function parseImport(input: z.output<typeof ImportInput>): Promise<ParsedImport> {
  const text = input.content.replace(/^\uFEFF/, '');
  let format = input.format;
  let json: unknown;
  if (format !== 'uri-list' && /^\s*[{[]/.test(text)) {
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw invalid(`The file is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, 'json');
    }
  }
  if (format === 'auto') {
    if (json === undefined) format = 'uri-list';
    else if (typeof json === 'object' && json !== null && (json as { type?: unknown }).type === EXPORT_TYPE) format = 'baleen';
    else if (typeof json === 'object' && json !== null && Array.isArray((json as { connections?: unknown }).connections)) format = 'compass';
    else throw invalid('The file is neither a Baleen export, a Compass connections export, nor a list of URIs.', 'format');
  }
  if (format === 'uri-list') return fromUriList(text);
  if (format === 'compass') {
    const c = CompassFile.safeParse(json);
    if (!c.success) throw invalid('This is not a Compass connections export (no "connections" array).', 'format');
    return fromCompass(c.data);
  }
  const f = ExportFile.safeParse(json);
  if (!f.success) throw invalid(`This Baleen export is damaged: ${f.error.issues[0]?.path.join('.') ?? ''} ${f.error.issues[0]?.message ?? ''}`.trim(), 'format');
  const secrets = f.data.secrets ? await openSecrets(f.data.secrets, input.passphrase) : [];
  const profiles = f.data.profiles.map((p, entry) => ({ ...p, entry }));
  return { format: 'baleen', profiles, secrets: secrets.filter((s) => s.profile < profiles.length), skipped: [], notes: [] };
}

