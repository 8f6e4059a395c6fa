import type { TestResult, TestStep } from '../../../src-shared/contract';
import { HostKeyPrompt } from './host-key-prompt';

const STATUS_TEXT: Record<TestStep['status'], string> = { ok: 'passed', failed: 'failed', skipped: 'skipped', warning: 'passed with a warning' };

/**
 * The connection test, step by step: what was tried, how long it took, and exactly why it failed. SSH
 * hops come first, one step each with its time; a host key to trust (or a changed one to replace) is
 * offered right at the hop that stopped, and the test can be run again from there.
 */
export function ConnectionTestPanel({ result, onRetest }: { result: TestResult; onRetest?: () => void }) {
  const failed = result.steps.find((s) => s.status === 'failed');
  return (
    <section className="test-panel" aria-label="Connection test">
      <p role="status" className={failed ? 'test-summary test-failed' : 'test-summary test-ok'}>
        {failed ? `Failed at “${failed.label}”${failed.host ? ` (${failed.host})` : ''}` : 'Every step passed'} in {result.totalMs} ms
        {result.server ? ` · ${result.server.hostPort}, ${result.server.server ?? 'server'} ${result.server.version ?? ''}` : ''}
      </p>
      <ol className="test-steps" aria-label="Connection test steps">
        {result.steps.map((s, i) => (
          <li key={`${s.step}-${i}`} className={`test-step step-${s.status}`} data-step={s.step} data-status={s.status} {...(s.hop ? { 'data-hop': s.hop } : {})}>
            <span className={`badge step-badge step-badge-${s.status}`}>{STATUS_TEXT[s.status]}</span>
            <span className="step-label">
              {s.label}
              {s.host ? <span className="muted"> ({s.host})</span> : null}
            </span>
            <span className="step-ms" data-ms={s.ms ?? ''}>
              {s.ms === null ? '—' : `${s.ms} ms`}
            </span>
            <span className="step-detail">
              {s.code ? <code className="error-code">{s.code}</code> : null} {s.detail}
            </span>
            {s.hostKey ? <HostKeyPrompt problem={s.hostKey} {...(onRetest ? { onResolved: onRetest } : {})} /> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
