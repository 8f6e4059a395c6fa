/**
 * The secrets a pasted URI carries, taken out on the renderer's side so they move into their own
 * password fields (and the URI box stops showing them). Only what the user typed is read here; a
 * stored secret never comes back from the core (SEC-E8).
 */
export interface UriSecrets {
  /** The URI without its password and secret options. */
  uri: string;
  password?: string;
  tlsKeyPassword?: string;
  proxyPassword?: string;
}

const SECRET_OPTIONS: Record<string, keyof Omit<UriSecrets, 'uri' | 'password'>> = {
  tlscertificatekeyfilepassword: 'tlsKeyPassword',
  proxypassword: 'proxyPassword',
};

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function extractUriSecrets(raw: string): UriSecrets {
  const m = /^(mongodb(?:\+srv)?:\/\/)([^/?#]*)(.*)$/i.exec(raw.trim());
  if (!m) return { uri: raw };
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  const out: UriSecrets = { uri: raw };
  let auth = authority;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      out.password = decode(userinfo.slice(colon + 1));
      auth = `${userinfo.slice(0, colon)}@${authority.slice(at + 1)}`;
    }
  }
  const q = rest.indexOf('?');
  let tail = rest;
  if (q >= 0) {
    const kept: string[] = [];
    for (const pair of rest.slice(q + 1).split('&')) {
      const eq = pair.indexOf('=');
      const key = decode(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
      const field = SECRET_OPTIONS[key];
      if (field) out[field] = decode(eq < 0 ? '' : pair.slice(eq + 1));
      else if (pair !== '') kept.push(pair);
    }
    tail = `${rest.slice(0, q)}${kept.length ? `?${kept.join('&')}` : ''}`;
  }
  out.uri = `${scheme}${auth}${tail}`;
  return out;
}
