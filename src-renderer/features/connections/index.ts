export { ConnectionsPage, type ConnectionsPageProps } from './connections-page';
export { AddConnectionForm, validateUri } from './add-connection-form';
export { ProfileEditor, type EditorMode } from './profile-editor';
export { ConnectionTestPanel } from './connection-test-panel';
export { CapabilityMatrixView } from './capability-matrix';
export { TopologyView } from './topology-view';
export { ExportDialog, ImportDialog } from './import-export';
export { extractUriSecrets, type UriSecrets } from './uri-secrets';
export {
  ConnectionsProvider,
  allNodes,
  useConnectionActions,
  useConnectionList,
  useNodeEntry,
  type NodeEntry,
} from './connections-context';
export type { ListState } from './connections-store';
