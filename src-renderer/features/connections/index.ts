export { ConnectionsPage, type ConnectionsPageProps } from './connections-page';
export { AddConnectionForm, validateUri } from './add-connection-form';
export {
  ConnectionsProvider,
  allNodes,
  useConnectionActions,
  useConnectionList,
  useNodeEntry,
  type NodeEntry,
} from './connections-context';
export type { ListState } from './connections-store';
