import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

export interface VirtualListProps {
  rowCount: number;
  rowHeight: number;
  height: number;
  renderRow: (index: number) => ReactNode;
  /** Called when the visible rows come within `edgeRows` of either end (to fetch more). */
  onNearStart?: () => void;
  onNearEnd?: () => void;
  edgeRows?: number;
  /** Rows inserted at the top since the last render: the view is shifted so nothing visibly jumps. */
  shiftRows?: number;
  testId?: string;
  label: string;
}

const OVERSCAN = 10;

/**
 * A fixed-row-height virtual list: only the rows in view (plus a few) are in the DOM, whatever the
 * row count. Row positions use a spacer's height (set through CSSOM, which the CSP allows).
 */
export function VirtualList({ rowCount, rowHeight, height, renderRow, onNearStart, onNearEnd, edgeRows = 40, shiftRows = 0, testId, label }: VirtualListProps) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);

  // Rows added above (or dropped from the top): move the view by as much, so what was on screen stays.
  // The scroll event that follows updates `top`.
  useLayoutEffect(() => {
    if (shiftRows !== 0 && box.current) box.current.scrollTop += shiftRows * rowHeight;
  }, [shiftRows, rowHeight]);

  const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
  const last = Math.min(rowCount, Math.ceil((top + height) / rowHeight) + OVERSCAN);

  const check = useCallback(() => {
    const visibleFirst = Math.floor(top / rowHeight);
    const visibleLast = Math.ceil((top + height) / rowHeight);
    if (visibleFirst < edgeRows) onNearStart?.();
    if (rowCount - visibleLast < edgeRows) onNearEnd?.();
  }, [top, rowHeight, height, rowCount, edgeRows, onNearStart, onNearEnd]);
  useEffect(check, [check]);

  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) rows.push(renderRow(i));
  return (
    <div
      ref={box}
      className="vlist"
      role="grid"
      aria-label={label}
      aria-rowcount={rowCount}
      data-testid={testId}
      data-count={rowCount}
      data-first={first}
      style={{ height, overflowY: 'auto', position: 'relative' }}
      onScroll={(e) => setTop(e.currentTarget.scrollTop)}
    >
      <div style={{ height: rowCount * rowHeight, position: 'relative' }}>
        <div style={{ position: 'absolute', top: first * rowHeight, left: 0, right: 0 }}>{rows}</div>
      </div>
    </div>
  );
}
