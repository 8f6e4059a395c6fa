import type { NodeSummary } from '../../../src-shared/contract';

/** What an empty chart says, from the node's state: the user should know why nothing arrives. */
export function emptyHint(node: NodeSummary | undefined): string {
  switch (node?.status.state) {
    case 'stopped':
      return node.status.reason ? `${node.status.reason}.` : 'Monitoring is stopped: start it to collect samples.';
    case 'unreachable':
      return `The node is unreachable${node.status.reason ? `: ${node.status.reason}` : ''}.`;
    case 'auth-failed':
      return 'Authentication failed: fix the credentials in the connection.';
    case 'not-authorized':
      return 'The user may not run serverStatus: grant it clusterMonitor.';
    case 'connecting':
      return 'Connecting to the node…';
    case undefined:
      return 'Samples appear at each poll.';
    case 'monitoring':
      return 'Samples appear at each poll.';
    default:
      return node?.status.reason ?? 'The node cannot be reached.';
  }
}
