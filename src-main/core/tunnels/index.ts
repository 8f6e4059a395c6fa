/**
 * SSH tunnels to MongoDB nodes behind one or more bastions (issue 3, SSH part).
 *
 * - `SshTunnel`: one chain of hops, shared by the nodes behind it: `connect(host, port)` gives a Duplex
 *   to a node, `forward(host, port)` a 127.0.0.1 port for the MongoDB driver; status events; serialized
 *   reconnects with backoff; deliberate close never reconnects.
 * - `SshTunnelManager`: tunnels by key with reference counts, so a profile's members share one session.
 * - Host keys: the user's known_hosts (read-only) + Baleen's pins (`HostKeyVerifier`,
 *   `SqliteHostKeyStore`); unknown keys come back as a challenge with the fingerprint, changed keys are
 *   refused before any credential is sent.
 * - ssh config: `loadSshConfig` + `importHopChain` turn ~/.ssh/config (Host/Match/Include/ProxyJump)
 *   into hop chains.
 * - `execAllowlisted`: host commands from fixed argv templates only, with a deadline and output cap.
 */
export { SshTunnel, DEFAULT_BACKOFF_MS, type SshTunnelOptions, type ConnectOptions } from './ssh-tunnel';
export { SshTunnelManager, type TunnelLease } from './ssh-tunnel-manager';
export type { LocalForward } from './local-forward';
export type { HostKeyChecker } from './ssh-chain';
export {
  DEFAULT_AUTH_METHODS,
  noSecrets,
  type HopRef,
  type HopTiming,
  type KeyboardInteractivePrompt,
  type SshAuthMethod,
  type SshHopSpec,
  type SshSecretsPort,
  type TunnelState,
  type TunnelStatus,
} from './ssh-types';
export { sshKindOf, type SshErrorKind } from './ssh-errors';
export { HostKeyVerifier, type AuditPort, type HostKeyChallenge, type HostKeyDecision, type HostKeyTarget, type KnownKeyInfo } from './host-key-verifier';
export { MemoryHostKeyStore, SqliteHostKeyStore, type HostKeyPin, type HostKeyPinStore } from './host-key-store';
export { fingerprintOf, type HostKey } from './host-key';
export { parseKnownHosts, lookupKnownHost, type KnownHostsEntry, type KnownHostsLookup } from './known-hosts.parser';
export { loadSshConfig, parseSshConfig, type ConfigFile, type SshConfigFs } from './ssh-config.parser';
export { importHopChain, resolveHost, type ConfigWarning, type HopChainImport, type ResolvedHost, type ResolveOptions } from './ssh-config.resolver';
export { loadPrivateKey } from './private-key.loader';
export { fetchHostKey } from './fetch-host-key';
export { execAllowlisted, defineExecTemplate, buildExecCommand, shellQuote, type ExecTemplate, type ExecResult } from './exec-allowlist';
