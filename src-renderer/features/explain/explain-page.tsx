import { useState } from 'react';
import type { ExplainView } from '../../../src-shared/contract';
import { useHashPath } from '../../lib/hash-route';
import { parseExplainLink, queryOfPath } from './explain-link';
import { ExplainResult } from './explain-result';
import { ImportForm } from './import-form';
import { RunForm } from './run-form';
import './explain.css';

type Mode = 'run' | 'import';

/**
 * Explain: run it on a node (from a typed query or a slow query's shape link) or import what a
 * customer sent; then the plan tree, summary, findings, index advice and, for live runs, the
 * collection's indexes and the shape's plan history.
 */
export function ExplainPage() {
  const path = useHashPath();
  const raw = queryOfPath(path);
  // A new link (another shape) starts a fresh page.
  return <ExplainPageBody key={raw} rawQuery={raw} />;
}

function ExplainPageBody({ rawQuery }: { rawQuery: string }) {
  const link = parseExplainLink(rawQuery);
  const [mode, setMode] = useState<Mode>(link.query || link.nodeId ? 'run' : 'import');
  const [result, setResult] = useState<{ n: number; view: ExplainView } | null>(null);
  const show = (view: ExplainView) => setResult((r) => ({ n: (r?.n ?? 0) + 1, view }));
  return (
    <div className="page explain-page">
      <h1>Explain</h1>
      <div className="segmented" role="group" aria-label="Explain source">
        <button type="button" aria-pressed={mode === 'run'} onClick={() => setMode('run')}>
          Run on a node
        </button>
        <button type="button" aria-pressed={mode === 'import'} onClick={() => setMode('import')}>
          Import
        </button>
      </div>
      <div hidden={mode !== 'run'}>
        <RunForm link={link} onResult={show} />
      </div>
      <div hidden={mode !== 'import'}>
        <ImportForm onResult={show} />
      </div>
      {result ? <ExplainResult key={result.n} view={result.view} /> : null}
    </div>
  );
}
