import { useId, useState } from 'react';
import { formatDateTime } from '../lib/format';
import { fromLocalInput, presetId, PRESETS, toLocalInput, type TimeRange } from './time-range';

export interface TimeRangePickerProps {
  value: TimeRange;
  onChange: (range: TimeRange) => void;
  now?: () => number;
}

/** One range for the whole page: presets, a custom from/to, and "back to live" after a brush zoom. */
export function TimeRangePicker({ value, onChange, now = Date.now }: TimeRangePickerProps) {
  const current = presetId(value);
  const [editing, setEditing] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | null>(null);
  const fromId = useId();
  const toId = useId();

  const openCustom = () => {
    const r = value.kind === 'custom' ? value : { from: now() - 3_600_000, to: now() };
    setFrom(toLocalInput(r.from));
    setTo(toLocalInput(r.to));
    setError(null);
    setEditing(true);
  };
  const apply = () => {
    const f = fromLocalInput(from);
    const t = fromLocalInput(to);
    if (f === null || t === null) return setError('Enter both times.');
    if (f >= t) return setError('The start must be before the end.');
    setEditing(false);
    onChange({ kind: 'custom', from: f, to: t });
  };

  return (
    <div className="time-range">
      <div role="radiogroup" aria-label="Time range" className="time-range-presets">
        {PRESETS.map((p) => (
          <button key={p.id} type="button" role="radio" aria-checked={current === p.id} className={current === p.id ? 'selected' : undefined} onClick={() => onChange(p.range)}>
            {p.label}
          </button>
        ))}
        <button type="button" role="radio" aria-checked={current === 'custom'} className={current === 'custom' ? 'selected' : undefined} onClick={openCustom}>
          Custom
        </button>
      </div>
      {value.kind === 'custom' && !editing ? (
        <span className="time-range-current" role="status">
          {formatDateTime(value.from)} – {formatDateTime(value.to)}{' '}
          <button type="button" className="small" onClick={() => onChange({ kind: 'live' })}>
            Back to live
          </button>
        </span>
      ) : null}
      {editing ? (
        <form
          className="time-range-custom"
          aria-label="Custom time range"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          <label htmlFor={fromId}>From</label>
          <input id={fromId} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          <label htmlFor={toId}>To</label>
          <input id={toId} type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          <button type="submit">Apply</button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
          {error ? (
            <span role="alert" className="form-error">
              {error}
            </span>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}
