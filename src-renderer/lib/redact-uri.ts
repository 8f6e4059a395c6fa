/**
 * The core already strips passwords from URIs it returns (SEC-E8); this is a second line so a
 * regression there never paints a secret on screen. `mongodb://user:pw@h` → `mongodb://user:***@h`.
 */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)([^/?#]*)@/i, (_m, scheme: string, userinfo: string) => {
    const i = userinfo.indexOf(':');
    return i < 0 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, i)}:***@`;
  });
}
