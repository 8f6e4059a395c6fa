// The connections folder's public surface: profiles, secrets, discovery, capabilities, the connection
// test and the seams (dialer, SRV resolver) the SSH tunnel layer and tests plug into.
export { ConnectionManager, nodeFacts, nodeLabel, serverLabel, type ConnectionManagerDeps, type ConnectionSeams, type MonitoringSettings } from './connection-manager';
export { NodeClient, directUri, type CommandOptions, type NodeClientOptions, type NodeSecrets, type NodeTarget, type ReplyObserver } from './node-client';
export { addressMapDialer, directDialer, isLoopbackHost, joinHostPort, splitHostPort, type DialTarget, type Dialer } from './dialer';
export { classifyMongoError, isTransientServerError, networkReason, tlsReason, type NetworkReasonKind, type TlsReasonKind } from './mongo-errors';
export { FEATURE_SPECS, FeatureGate, MINIMUM_ROLE, RETRY_DENIED_MS, matrixFromConnectionStatus } from './capabilities';
export { formOf, fromForm, insecureFlags, neededSecrets, parseUri, redactUri, requiredSecrets, type ParsedTarget } from './connection-profile';
export { parseTxtOptions, resolveSrvUri, srvTargetAllowed, systemSrvResolver, type SrvResolver, type SrvSeeds } from './srv';
export { discoverDeployment, parseShardHost, roleFromHello, type DiscoveredNode, type DiscoveryResult } from './topology-discovery';
export { runConnectionTest, systemLookup, type Lookup } from './connection-test';
export { EXPORT_TYPE, buildExport, parseImport, type ParsedImport, type TransferProfile, type TransferSecret } from './profile-transfer';
export { KeychainSecretStore, napiKeyringBackend, openEnvelope, sealEnvelope, type KeyringBackend, type KeychainSecretStoreOptions } from './secrets/keychain-secret-store';
