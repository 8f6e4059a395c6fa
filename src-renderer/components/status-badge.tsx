import type { NodeStatus } from '../../src-shared/contract';

const LABELS: Record<NodeStatus['state'], string> = {
  connecting: 'connecting',
  monitoring: 'monitoring',
  unreachable: 'unreachable',
  'auth-failed': 'auth failed',
  'not-authorized': 'not authorized',
  stopped: 'stopped',
};

/** A node's state as a coloured badge, and its reason as text beside it (colour is never the only cue). */
export function StatusBadge({ status, showReason = true }: { status: NodeStatus; showReason?: boolean }) {
  return (
    <span className="status">
      <span className={`badge badge-${status.state}`} data-state={status.state}>
        {LABELS[status.state]}
      </span>
      {showReason && status.reason && status.state !== 'monitoring' ? <span className="status-reason">{status.reason}</span> : null}
    </span>
  );
}
