import type { ReactNode } from 'react';
import type { BaleenError } from '../../src-shared/domain/errors';
import { adviceFor } from '../lib/error-advice';
import { hrefs } from '../lib/hrefs';

export function LoadingState({ children }: { children: ReactNode }) {
  return (
    <p className="state state-loading" role="status">
      {children}
    </p>
  );
}

/** An error that crossed the contract: its code and message, what to do, and a way to retry. */
export function ErrorState({ title, error, onRetry }: { title: string; error: Pick<BaleenError, 'code' | 'message'>; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{title}</p>
      <ErrorText error={error} />
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function ErrorText({ error }: { error: Pick<BaleenError, 'code' | 'message'> }) {
  const advice = adviceFor(error.code);
  return (
    <>
      <span className="error-line">
        <code className="error-code">{error.code}</code> {error.message}
      </span>
      {advice ? <span className="error-advice">{advice}</span> : null}
    </>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children}
    </div>
  );
}

/** A page for one connection, opened with an id that is not (or no longer) among the user's connections. */
export function ConnectionNotFound({ connectionId }: { connectionId: string }) {
  return (
    <div className="page">
      <h1>Connection not found</h1>
      <EmptyState title={`${connectionId} is not among your connections.`}>
        <p>
          <a href={hrefs.connections}>Go to Connections</a>.
        </p>
      </EmptyState>
    </div>
  );
}
