/**
 * Baleen's MongoDB simulator: a mongod that speaks the real wire protocol (OP_MSG, plus the legacy
 * OP_QUERY handshake answered with OP_REPLY) so the real `mongodb` driver connects to it, and that
 * generates its own documents in the shapes of MongoDB 7.0 / 8.0 (serverStatus, hello, buildInfo,
 * hostInfo, getCmdLineOpts, connectionStatus). Used in-process by tests and by `baleen demo`.
 *
 * - Node model (node/): identity, process lifetime (restart → new pid, uptime and counters from 0),
 *   workload counters that advance on the injected Clock at configured rates with seeded noise,
 *   gauges that wander, and the real connections/requests it serves. Topology is a separate model
 *   (SimTopology) so several members can later share one replica set.
 * - Commands (commands/): a name → handler table; the dispatcher adds faults, auth seam, accounting.
 * - Wire (wire/): framing and the TCP server; malformed input closes that connection only.
 * - Data (node/data-catalog.ts, commands/data.commands.ts): databases and collections with growing
 *   sizes and Zipf-like shares of the workload, for listDatabases, dbStats, top, $collStats; the oplog
 *   bounds query; replica sets with lag and elections on demand (node/replica-set-model.ts).
 * - Faults (faults/): delay, hang, garbage replies, injected server errors, drop (RST) all
 *   connections, refuse new connections.
 *
 * It never reads anything at run time: shapes were checked against real captures by
 * test/integration/sim-shapes.test.ts.
 */
export { startSimulator, type Simulator, type SimulatorOptions, type SimulatorStats } from './simulator';
export { FaultController, type CommandMatcher, type FaultHandle, type FaultOptions, type InjectedFailure, type RefuseMode } from './faults/fault-controller';
export {
  CommandTable,
  SimCommandError,
  ServerErrorCode,
  openAuthorizer,
  requireAuthAuthorizer,
  type Authorizer,
  type CommandContext,
  type CommandSpec,
  type SimPrincipal,
  type SimSession,
} from './commands/command-table';
export { defaultCommandTable } from './commands/default-command-table';
export { SimNode, type SimNodeOptions, type TopologyVersion, type CommandCount } from './node/sim-node';
export { StaticReplicaSet, standaloneTopology, type SimTopology, type ReplicaSetMemberState } from './node/topology';
export { ReplicaSetModel, type ReplicaSetModelOptions, type SimElection, type SimMemberConfig } from './node/replica-set-model';
export { startDemoDeployment, DEMO_MEMBERS, DEMO_SET, type DemoDeployment, type DemoDeploymentOptions } from './demo-deployment';
export { startSimulatedReplicaSet, type SimulatedReplicaSet, type SimulatedReplicaSetOptions } from './replica-set';
export { DataCatalog, type SimCollection, type SimDatabase } from './node/data-catalog';
export { registerMongosCommands, type ShardedClusterModel, type SimShard } from './commands/sharding.commands';
export { registerScramAuth, SimUserDirectory, type SimUser } from './commands/sasl.commands';
export { DEFAULT_RATES, type SimRates, type HostFacts } from './node/workload';
export { versionProfile, SUPPORTED_SIM_VERSIONS, type VersionProfile } from './node/version-profile';
export { generateServerStatus } from './documents/server-status.generator';
export { generateBuildInfo, generateHostInfo, generateCmdLineOpts } from './documents/node-info.generator';
export { generateConnectionStatus } from './documents/connection-status.generator';
export {
  OP_MSG,
  OP_QUERY,
  OP_REPLY,
  OpMsgFlag,
  MessageFramer,
  WireProtocolError,
  decodeMessage,
  encodeOpMsg,
  encodeOpQuery,
  encodeOpReply,
  type WireMessage,
} from './wire/wire-protocol';
export { ManualClock } from './testing/manual-clock';
