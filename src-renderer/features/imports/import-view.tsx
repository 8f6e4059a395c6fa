import { useMemo, useState } from 'react';
import type { FtdcImportSummary, FtdcImportedNode } from '../../../src-shared/contract';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import type { TimeRange } from '../../components/time-range';
import { TimeRangePicker } from '../../components/time-range-picker';
import { formatBytes, formatCompact, formatDateTime } from '../../lib/format';
import { ChartPanel, NODE_CHARTS, NODE_METRICS, useEntitySeries } from '../dashboard';
import { HostCharts, hostHref, seriesHref } from '../host';
import { importsHref, nodeRangeHref } from './import-links';
import { rangeText, useImportList } from './imports-page';

/** One import: where it came from, and its node's and host's key charts over its own time range. */
export function ImportViewPage({ id }: { id: number }) {
  const { list, reload } = useImportList();
  if (list.status === 'loading') return <LoadingState>Loading the import…</LoadingState>;
  if (list.status === 'error') return <ErrorState title="Could not load the import." error={list.error} onRetry={reload} />;
  const s = list.items.find((i) => i.id === id);
  if (!s) {
    return (
      <div className="page import-view">
        <h1>Import not found</h1>
        <EmptyState title={`There is no import ${id}.`}>
          <p>
            It may have been deleted. <a href={importsHref}>Go to Imports</a>.
          </p>
        </EmptyState>
      </div>
    );
  }
  return <ImportView s={s} />;
}

function ImportView({ s }: { s: FtdcImportSummary }) {
  // The latest capture first: a folder often holds captures months apart, and a chart of all of them is mostly empty.
  const latest = s.spans[s.spans.length - 1];
  const initial: TimeRange | null = latest ? { kind: 'custom', from: latest.from, to: latest.to } : null;
  const [range, setRange] = useState<TimeRange | null>(initial);
  const all = s.firstTs !== null && s.lastTs !== null ? { from: s.firstTs, to: s.lastTs } : null;
  const isRange = (r: { from: number; to: number }) => range?.kind === 'custom' && range.from === r.from && range.to === r.to;
  return (
    <div className="page import-view" data-import-id={s.id}>
      <header className="node-head">
        <div>
          <h1>{s.label}</h1>
          <p className="muted">
            {rangeText(s)} · {s.files.length} file{s.files.length === 1 ? '' : 's'}, {formatBytes(s.bytes)} · {formatCompact(s.samples)} samples, {formatCompact(s.values)} values
          </p>
        </div>
        <div className="actions">
          <a href={importsHref}>All imports</a>
        </div>
      </header>
      {s.spans.length > 1 && all ? (
        <div role="group" aria-label="Captures" className="time-range-presets import-spans">
          {s.spans.map((r, i) => (
            <button key={r.from} type="button" aria-pressed={isRange(r)} onClick={() => setRange({ kind: 'custom', ...r })}>
              Capture {i + 1}: {formatDateTime(r.from)} – {formatDateTime(r.to)}
            </button>
          ))}
          <button type="button" aria-pressed={isRange(all)} onClick={() => setRange({ kind: 'custom', ...all })}>
            Whole import
          </button>
        </div>
      ) : null}
      {range ? <TimeRangePicker value={range} onChange={setRange} /> : null}
      {s.nodes.map((n) => (
        <ImportedNodeCharts key={n.nodeId} node={n} range={range} onRange={setRange} s={s} />
      ))}
      {s.errorCount > 0 ? (
        <section aria-label="Bad chunks">
          <h2>Skipped as unreadable ({s.errorCount})</h2>
          <ul className="import-files">
            {s.errors.map((e, i) => (
              <li key={i}>
                <span className="path">{e.file}</span> at offset {e.offset}: {e.message}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-label="Files">
        <h2>Files</h2>
        <ul className="import-files">
          {s.files.map((f) => (
            <li key={f.path}>
              <span className="path">{f.path}</span> — {formatBytes(f.bytes)}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

function ImportedNodeCharts({ node, range, onRange, s }: { node: FtdcImportedNode; range: TimeRange | null; onRange: (r: TimeRange) => void; s: FtdcImportSummary }) {
  const entity = `node:${node.nodeId}`;
  const view = useEntitySeries(entity, range ? NODE_METRICS : [], range ?? { kind: 'live' });
  const onBrush = useMemo(() => (from: number, to: number) => onRange({ kind: 'custom', from, to }), [onRange]);
  const r = range?.kind === 'custom' ? range : s.firstTs !== null && s.lastTs !== null ? { from: s.firstTs, to: s.lastTs } : null;
  return (
    <section className="imported-node" aria-label={`Node ${node.hostPort}`} data-node-id={node.nodeId}>
      <h2>
        {node.hostPort} <span className="muted">{[node.version ? `MongoDB ${node.version}` : null, node.os, node.created ? 'offline node' : null].filter(Boolean).join(' · ')}</span>
      </h2>
      <p className="actions">
        {r ? <a href={nodeRangeHref(node.nodeId, r.from, r.to)}>Node dashboard for this range</a> : null}
        <a href={hostHref(node.hostId, r ?? undefined)}>Host {node.hostId}</a>
        <a href={seriesHref(entity)}>All node series</a>
        <a href={seriesHref(`host:${node.hostId}`)}>All host series</a>
      </p>
      {range ? (
        <>
          {view.status === 'error' ? <ErrorState title="Could not load the node's charts." error={view.error} /> : null}
          <div className="chart-grid">
            {NODE_CHARTS.map((spec) => (
              <ChartPanel key={spec.key} spec={spec} live={view.live} hint="No samples in this range." group={`import:${s.id}`} onBrush={onBrush} headingLevel={3} />
            ))}
          </div>
          <h3>Host {node.hostId}</h3>
          <HostCharts hostId={node.hostId} range={range} onRange={onRange} />
        </>
      ) : (
        <EmptyState title="This import has no timed samples." />
      )}
    </section>
  );
}
