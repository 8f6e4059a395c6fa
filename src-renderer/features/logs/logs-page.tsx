import { LogExplorer } from './log-explorer';
import { LogSources } from './log-sources';
import { UnparsedView } from './unparsed-view';
import './logs.css';

export type LogsTab = 'explorer' | 'sources' | 'unparsed';

/** Logs: the explorer, the sources (import, follow, getLog), and the lines that could not be read. */
export function LogsPage({ tab, sourceId, ctx }: { tab: LogsTab; sourceId?: number; ctx?: string }) {
  const tabs: { id: LogsTab; label: string; href: string }[] = [
    { id: 'explorer', label: 'Explorer', href: '#/logs' },
    { id: 'sources', label: 'Sources', href: '#/logs/sources' },
    { id: 'unparsed', label: 'Could not parse', href: '#/logs/unparsed' },
  ];
  return (
    <div className="page logs-page">
      <h1>Logs</h1>
      <nav className="tabs" aria-label="Log views">
        {tabs.map((t) => (
          <a key={t.id} href={t.href} aria-current={t.id === tab ? 'page' : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      {tab === 'explorer' ? <LogExplorer {...(ctx ? { initialCtx: ctx } : {})} /> : null}
      {tab === 'sources' ? <LogSources /> : null}
      {tab === 'unparsed' ? <UnparsedView {...(sourceId !== undefined ? { sourceId } : {})} /> : null}
    </div>
  );
}
