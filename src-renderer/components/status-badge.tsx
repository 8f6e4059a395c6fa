import type { NodeStatus } from '../../src-shared/contract';

const LABELS: Record<NodeStatus['state'], string> = {
  connecting: 'connecting',
  monitoring: 'monitoring',
  unreachable: 'unreachable',
  'auth-failed': 'auth failed',
  'not-authorized': 'not authorized',
  stopped: 'stopped',
  'ssh-auth-failed': 'SSH login failed',
  'host-key-unknown': 'SSH host key unknown',
  'host-key-changed': 'SSH host key changed',
};

/** A node's state as a coloured badge, and its reason as text beside it (colour is never the only cue). */
export function StatusBadge({ status, showReason = true }: { status: NodeStatus; showReason?: boolean }) {
  return (
    <span className="status">
      <span className={`badge badge-${status.state}`} data-state={status.state}>
        {LABELS[status.state]}
        {status.state === 'unreachable' && status.ssh ? ` (ssh${status.ssh.hop ? `, hop ${status.ssh.hop}` : ''})` : ''}
      </span>
      {showReason && status.reason && status.state !== 'monitoring' ? <span className="status-reason">{status.reason}</span> : null}
    </span>
  );
}
