import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { EventDetail, EventFilter } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { useLogNodes } from '../../components/log-node-filter';
import { EmptyState, ErrorText, LoadingState } from '../../components/state-views';
import { formatCount, formatLogTime, nodeLabel, SEVERITIES, severityClass, WhatHappened } from '../timeline';
import { appendPage, EMPTY_WINDOW, firstPage, prependPage, type ExplorerWindow } from './explorer-window';
import { VirtualList } from './virtual-list';

const ROW = 22;
const VIEW = 520;
const PAGE = 200;
/** Rows held in memory at most; the rest is fetched again by keyset when scrolled back to. */
const MAX_ROWS = 3000;

interface Draft {
  nodes: string[];
  severities: string[];
  components: string;
  ids: string;
  ctx: string;
  text: string;
  from: string;
  to: string;
}

const EMPTY_DRAFT: Draft = { nodes: [], severities: [], components: '', ids: '', ctx: '', text: '', from: '', to: '' };

/** The form as typed → the filter sent (times are entered in UTC, as log lines are shown). */
export function filterOf(d: Draft): EventFilter {
  const list = (s: string) =>
    s
      .split(/[,\s]+/)
      .map((x) => x.trim())
      .filter((x) => x !== '');
  const utc = (s: string) => {
    const t = s === '' ? NaN : Date.parse(`${s}${s.length === 16 ? ':00' : ''}Z`);
    return Number.isFinite(t) ? t : null;
  };
  const f: EventFilter = {};
  if (d.nodes.length) f.nodes = d.nodes;
  if (d.severities.length) f.severities = d.severities;
  const comps = list(d.components).map((c) => c.toUpperCase());
  if (comps.length) f.components = comps;
  const ids = list(d.ids)
    .map(Number)
    .filter((n) => Number.isInteger(n));
  if (ids.length) f.ids = ids;
  if (d.ctx.trim()) f.ctx = d.ctx.trim();
  if (d.text.trim()) f.text = d.text.trim();
  const from = utc(d.from);
  const to = utc(d.to);
  if (from !== null) f.from = from;
  if (to !== null) f.to = to;
  return f;
}

type Detail = { status: 'idle' } | { status: 'loading' } | { status: 'ready'; e: EventDetail } | { status: 'error'; error: Pick<BaleenError, 'code' | 'message'> };

export interface LogExplorerProps {
  /** Open with this context filtered (a connection's lines). */
  initialCtx?: string;
}

/**
 * The log explorer: filters by node, severity, component, message id, context, full text and time;
 * a virtual list paged by keyset from the store (smooth over millions of lines: only visible rows
 * are rendered, at most a few thousand are held); the full line on selection.
 */
export function LogExplorer({ initialCtx }: LogExplorerProps) {
  const nodes = useLogNodes();
  const [draft, setDraft] = useState<Draft>({ ...EMPTY_DRAFT, ctx: initialCtx ?? '' });
  const [filter, setFilter] = useState<EventFilter>(filterOf({ ...EMPTY_DRAFT, ctx: initialCtx ?? '' }));
  const [jump, setJump] = useState('');
  const [at, setAt] = useState<number | null>(null);
  const ids = { text: useId(), ctx: useId(), comp: useId(), mid: useId(), from: useId(), to: useId(), node: useId(), jump: useId() };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setAt(null);
    setFilter(filterOf(draft));
  };
  const onJump = (e: FormEvent) => {
    e.preventDefault();
    const t = jump === '' ? NaN : Date.parse(`${jump}${jump.length === 16 ? ':00' : ''}Z`);
    setAt(Number.isFinite(t) ? t : null);
  };
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const onCtx = (ctx: string) => {
    setDraft({ ...EMPTY_DRAFT, ctx });
    setAt(null);
    setFilter({ ctx });
  };

  return (
    <div className="log-explorer">
      <form className="filters" onSubmit={onSubmit} aria-label="Log filters">
        <label htmlFor={ids.text}>
          Search text
          <input id={ids.text} type="text" value={draft.text} onChange={(e) => set('text', e.target.value)} placeholder='words, "a phrase", prefix*' />
        </label>
        <label htmlFor={ids.node}>
          Nodes
          <select id={ids.node} multiple value={draft.nodes} onChange={(e) => set('nodes', [...e.target.selectedOptions].map((o) => o.value))} size={Math.min(4, Math.max(2, nodes.length))}>
            {nodes.map((n) => (
              <option key={n.name} value={n.name}>
                {n.label} ({formatCount(n.events)})
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend className="visually-hidden">Severity</legend>
          {SEVERITIES.map((s) => (
            <label key={s.id} className="check">
              <input
                type="checkbox"
                checked={draft.severities.includes(s.id)}
                onChange={(e) => set('severities', e.target.checked ? [...draft.severities, s.id] : draft.severities.filter((x) => x !== s.id))}
              />
              {s.label}
            </label>
          ))}
        </fieldset>
        <label htmlFor={ids.comp}>
          Components
          <input id={ids.comp} type="text" size={14} value={draft.components} onChange={(e) => set('components', e.target.value)} placeholder="REPL, NETWORK" />
        </label>
        <label htmlFor={ids.mid}>
          Message ids
          <input id={ids.mid} type="text" size={10} value={draft.ids} onChange={(e) => set('ids', e.target.value)} placeholder="51803" />
        </label>
        <label htmlFor={ids.ctx}>
          Context
          <input id={ids.ctx} type="text" size={12} value={draft.ctx} onChange={(e) => set('ctx', e.target.value)} placeholder="conn1234" />
        </label>
        <label htmlFor={ids.from}>
          From (UTC)
          <input id={ids.from} type="datetime-local" step={1} value={draft.from} onChange={(e) => set('from', e.target.value)} />
        </label>
        <label htmlFor={ids.to}>
          To (UTC)
          <input id={ids.to} type="datetime-local" step={1} value={draft.to} onChange={(e) => set('to', e.target.value)} />
        </label>
        <button type="submit">Search</button>
        <button
          type="button"
          onClick={() => {
            setDraft(EMPTY_DRAFT);
            setAt(null);
            setFilter({});
          }}
        >
          Clear
        </button>
      </form>
      <form className="filters" onSubmit={onJump} aria-label="Jump to a time">
        <label htmlFor={ids.jump}>
          Jump to (UTC)
          <input id={ids.jump} type="datetime-local" step={1} value={jump} onChange={(e) => setJump(e.target.value)} />
        </label>
        <button type="submit">Jump</button>
      </form>
      <Results key={`${JSON.stringify(filter)}|${at ?? ''}`} filter={filter} at={at} onCtx={onCtx} />
    </div>
  );
}

type Status = { kind: 'loading' } | { kind: 'ready' } | { kind: 'error'; error: Pick<BaleenError, 'code' | 'message'> };

/** One search's results: a new filter or jump is a new component (fresh window, scroll at the top). */
function Results({ filter, at, onCtx }: { filter: EventFilter; at: number | null; onCtx: (ctx: string) => void }) {
  const client = useClient();
  const [win, setWin] = useState<ExplorerWindow>(EMPTY_WINDOW);
  const [count, setCount] = useState<{ count: number; exact: boolean } | null>(null);
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  const [shift, setShift] = useState(0);
  const [selected, setSelected] = useState<number | null>(null);
  const [detail, setDetail] = useState<Detail>({ status: 'idle' });
  const [around, setAround] = useState(false);
  const busy = useRef(true);

  useEffect(() => {
    let live = true;
    const cursor = at !== null ? { ts: at, id: 1 } : null;
    Promise.all([client.invoke('logs.search', { filter, cursor, direction: 'after', limit: PAGE }), client.invoke('logs.count', { filter })]).then(
      ([page, c]) => {
        busy.current = false;
        if (!live) return;
        setWin(firstPage(page, at !== null));
        setCount(c);
        setStatus({ kind: 'ready' });
      },
      (e: unknown) => {
        busy.current = false;
        if (live) setStatus({ kind: 'error', error: toBaleenError(e) });
      },
    );
    return () => {
      live = false;
    };
  }, [client, filter, at]);

  const more = useCallback(
    (direction: 'after' | 'before') => {
      if (busy.current) return;
      const edge = direction === 'after' ? win.rows[win.rows.length - 1] : win.rows[0];
      if (!edge || (direction === 'after' ? !win.moreAfter : !win.moreBefore)) return;
      busy.current = true;
      client.invoke('logs.search', { filter, cursor: { ts: edge.ts, id: edge.id }, direction, limit: PAGE }).then(
        (page) => {
          busy.current = false;
          if (direction === 'after') {
            const r = appendPage(win, page, MAX_ROWS);
            setWin(r.w);
            if (r.dropped) setShift(-r.dropped);
          } else {
            const r = prependPage(win, page, MAX_ROWS);
            setWin(r.w);
            setShift(r.added);
          }
        },
        (e: unknown) => {
          busy.current = false;
          setStatus({ kind: 'error', error: toBaleenError(e) });
        },
      );
    },
    [client, filter, win],
  );

  const select = (id: number) => {
    setSelected(id);
    setAround(false);
    setDetail({ status: 'loading' });
    client.invoke('logs.event', { id }).then(
      (e) => setDetail({ status: 'ready', e }),
      (e: unknown) => setDetail({ status: 'error', error: toBaleenError(e) }),
    );
  };

  return (
    <>
      <p className="muted" role="status" data-testid="log-count">
        {count ? `${formatCount(count.count)}${count.exact ? '' : '+'} matching lines` : ''}
        {win.rows.length > 0 ? ` · showing ${formatLogTime(win.rows[0]!.ts)} → ${formatLogTime(win.rows[win.rows.length - 1]!.ts)}` : ''}
      </p>
      {status.kind === 'error' ? (
        <p className="state state-error" role="alert">
          <ErrorText error={status.error} />
        </p>
      ) : null}
      {status.kind === 'loading' ? <LoadingState>Searching…</LoadingState> : null}
      {status.kind === 'ready' && win.rows.length === 0 ? <EmptyState title="No log lines match.">Import logs (Sources), or loosen the filters.</EmptyState> : null}
      <div className="split">
        <div>{win.rows.length > 0 ? <VirtualRows win={win} selected={selected} onSelect={select} onMore={more} shift={shift} onShifted={() => setShift(0)} /> : null}</div>
        <div className="detail-pane" aria-label="Selected line">
          {detail.status === 'idle' ? <p className="muted">Select a line to see all of it.</p> : null}
          {detail.status === 'loading' ? <LoadingState>Loading the line…</LoadingState> : null}
          {detail.status === 'error' ? <ErrorText error={detail.error} /> : null}
          {detail.status === 'ready' ? <LineDetail e={detail.e} onCtx={onCtx} around={around} onAround={() => setAround(true)} /> : null}
        </div>
      </div>
    </>
  );
}

function VirtualRows({
  win,
  selected,
  onSelect,
  onMore,
  shift,
  onShifted,
}: {
  win: ExplorerWindow;
  selected: number | null;
  onSelect: (id: number) => void;
  onMore: (d: 'after' | 'before') => void;
  shift: number;
  onShifted: () => void;
}) {
  // A shift is applied once by the list's layout effect, then cleared.
  useEffect(() => {
    if (shift !== 0) onShifted();
  }, [shift, onShifted]);
  return (
    <VirtualList
      label="Log lines"
      testId="log-rows"
      rowCount={win.rows.length}
      rowHeight={ROW}
      height={VIEW}
      shiftRows={shift}
      onNearEnd={win.moreAfter ? () => onMore('after') : undefined}
      onNearStart={win.moreBefore ? () => onMore('before') : undefined}
      renderRow={(i) => {
        const r = win.rows[i]!;
        return (
          <div
            key={r.id}
            role="row"
            aria-selected={selected === r.id}
            className={`log-row${selected === r.id ? ' selected' : ''}`}
            data-testid="log-row"
            data-id={r.id}
            data-ts={r.ts}
            tabIndex={0}
            onClick={() => onSelect(r.id)}
            onKeyDown={(e) => (e.key === 'Enter' ? onSelect(r.id) : undefined)}
          >
            <span className="c-time mono">{formatLogTime(r.ts).slice(5)}</span>
            <span className={`sev-badge ${severityClass(r.severity)}`} title={r.severity}>
              {r.severity}
            </span>
            <span className="c-node">{nodeLabel(r.node)}</span>
            <span className="c-comp">{r.component}</span>
            <span className="c-ctx mono">{r.ctx}</span>
            <span className="c-msg">
              {r.msg}
              {r.attr ? <span className="muted mono"> {r.attr.slice(0, 300)}</span> : null}
            </span>
          </div>
        );
      }}
    />
  );
}

function LineDetail({ e, onCtx, around, onAround }: { e: EventDetail; onCtx: (ctx: string) => void; around: boolean; onAround: () => void }) {
  let attr = e.attr ?? '';
  try {
    if (e.attr) attr = JSON.stringify(JSON.parse(e.attr), null, 2);
  } catch {
    // Shown as stored.
  }
  return (
    <div data-testid="log-detail">
      <p>
        <strong>{e.msg}</strong>
      </p>
      <p className="muted">
        {formatLogTime(e.ts)} UTC · {nodeLabel(e.node)} · {e.severity} {e.component}
        {e.mid !== null ? ` · id ${e.mid}` : ''} · {e.ctx}
      </p>
      <p className="muted mono">
        {e.file}:{e.line}
      </p>
      {attr ? <pre>{attr}</pre> : null}
      <p className="actions">
        {e.ctx ? (
          <button type="button" className="small" onClick={() => onCtx(e.ctx)}>
            Only {e.ctx}
          </button>
        ) : null}
        <button type="button" className="small" onClick={onAround}>
          What happened around this (±5 min)
        </button>
      </p>
      {around ? <WhatHappened from={e.ts - 300_000} to={e.ts + 300_000} nodes={[e.node]} /> : null}
    </div>
  );
}
