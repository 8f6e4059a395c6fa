import { lazy, Suspense, type ReactNode } from 'react';
import { LoadingState } from '../components/state-views';
import { ConnectionsPage } from '../features/connections';
import { DashboardsPage, TryDemoButton } from '../features/dashboards';
import { OverviewPage } from '../features/overview';
import { segmentsOf } from '../lib/hash-route';
import { hrefs } from '../lib/hrefs';

/**
 * The route registry: a later feature adds one entry here (and a nav entry if it has a page of
 * its own). `match` gets the decoded path segments and returns its params, or null.
 */
export interface RouteDef {
  id: string;
  match(segments: string[]): Record<string, string> | null;
  render(params: Record<string, string>): ReactNode;
  /** Shown in the sidebar when present. */
  nav?: { label: string; href: string };
  /** Which nav entry is highlighted while this route shows. */
  navId?: string;
}

// The node page carries ECharts (most of the bundle's weight): load it when first visited.
const NodePage = lazy(() => import('../features/node').then((m) => ({ default: m.NodePage })));
const ClusterPage = lazy(() => import('../features/cluster').then((m) => ({ default: m.ClusterPage })));
const ReplicationPage = lazy(() => import('../features/replication').then((m) => ({ default: m.ReplicationPage })));
const ComparePage = lazy(() => import('../features/compare').then((m) => ({ default: m.ComparePage })));
const CollectionsPage = lazy(() => import('../features/collections').then((m) => ({ default: m.CollectionsPage })));
const ImportsPage = lazy(() => import('../features/imports').then((m) => ({ default: m.ImportsPage })));
const ImportViewPage = lazy(() => import('../features/imports').then((m) => ({ default: m.ImportViewPage })));
const SeriesBrowserPage = lazy(() => import('../features/imports').then((m) => ({ default: m.SeriesBrowserPage })));
const HostPage = lazy(() => import('../features/host').then((m) => ({ default: m.HostPage })));
const LogsPage = lazy(() => import('../features/logs').then((m) => ({ default: m.LogsPage })));
const IncidentsPage = lazy(() => import('../features/incidents').then((m) => ({ default: m.IncidentsPage })));
const SlowQueriesPage = lazy(() => import('../features/slow-queries').then((m) => ({ default: m.SlowQueriesPage })));
const ConnectionsAnalysisPage = lazy(() => import('../features/connections-analysis').then((m) => ({ default: m.ConnectionsAnalysisPage })));
const ExplainPage = lazy(() => import('../features/explain').then((m) => ({ default: m.ExplainPage })));
/** `<from>/<to>` in ms since the epoch after an id: a page opened on a fixed time range. */
const msRange = (a: string | undefined, b: string | undefined) => (a && b && /^\d{1,15}$/.test(a) && /^\d{1,15}$/.test(b) && Number(a) < Number(b) ? { from: a, to: b } : null);
const loading = <LoadingState>Loading…</LoadingState>;
/** `#/logs`, `#/logs/sources`, `#/logs/unparsed[/<source>]`, `#/logs/ctx/<conn>`. */
function logsMatch(s: string[]): Record<string, string> | null {
  if (s[0] !== 'logs') return null;
  if (s.length === 1) return { tab: 'explorer' };
  if (s.length === 2 && (s[1] === 'sources' || s[1] === 'unparsed')) return { tab: s[1] };
  if (s.length === 3 && s[1] === 'unparsed' && /^\d{1,12}$/.test(s[2] ?? '')) return { tab: 'unparsed', source: s[2]! };
  if (s.length === 3 && s[1] === 'ctx' && s[2]) return { tab: 'explorer', ctx: s[2] };
  return null;
}
const one = (name: string) => (s: string[]) => (s.length === 2 && s[0] === name && s[1] ? { id: s[1] } : null);

export const ROUTES: readonly RouteDef[] = [
  {
    id: 'connections',
    match: (s) => (s.length === 1 && s[0] === 'connections' ? {} : null),
    render: () => <ConnectionsPage emptyActions={<TryDemoButton />} />,
    nav: { label: 'Connections', href: hrefs.connections },
  },
  {
    id: 'overview',
    match: (s) => (s.length === 1 && s[0] === 'overview' ? {} : null),
    render: () => <OverviewPage />,
    nav: { label: 'Overview', href: hrefs.overview },
  },
  {
    id: 'node',
    match: (s) => (s.length === 2 && s[0] === 'node' && s[1] ? { nodeId: s[1] } : s.length === 4 && s[0] === 'node' && s[1] && msRange(s[2], s[3]) ? { nodeId: s[1], ...msRange(s[2], s[3]) } : null),
    render: (p) => (
      <Suspense fallback={<LoadingState>Loading…</LoadingState>}>
        <NodePage key={`${p.nodeId}/${p.from ?? ''}/${p.to ?? ''}`} nodeId={p.nodeId!} {...(p.from && p.to ? { initialRange: { kind: 'custom' as const, from: Number(p.from), to: Number(p.to) } } : {})} />
      </Suspense>
    ),
    navId: 'overview',
  },
  {
    id: 'dashboards',
    match: (s) => (s.length === 1 && s[0] === 'dashboards' ? {} : null),
    render: () => <DashboardsPage />,
    nav: { label: 'Dashboards', href: '#/dashboards' },
  },
  {
    id: 'cluster',
    match: one('cluster'),
    render: (p) => <Suspense fallback={loading}>{<ClusterPage connectionId={p.id!} />}</Suspense>,
    navId: 'dashboards',
  },
  {
    id: 'replication',
    match: one('replication'),
    render: (p) => <Suspense fallback={loading}>{<ReplicationPage connectionId={p.id!} />}</Suspense>,
    navId: 'dashboards',
  },
  {
    id: 'collections',
    match: one('collections'),
    render: (p) => <Suspense fallback={loading}>{<CollectionsPage nodeId={p.id!} />}</Suspense>,
    navId: 'dashboards',
  },
  {
    id: 'compare',
    match: (s) => (s.length === 1 && s[0] === 'compare' ? {} : null),
    render: () => <Suspense fallback={loading}>{<ComparePage />}</Suspense>,
    nav: { label: 'Compare', href: '#/compare' },
  },
  {
    id: 'imports',
    match: (s) => (s.length === 1 && s[0] === 'imports' ? {} : null),
    render: () => <Suspense fallback={loading}>{<ImportsPage />}</Suspense>,
    nav: { label: 'Imports', href: '#/imports' },
  },
  {
    id: 'import',
    match: (s) => (s.length === 2 && s[0] === 'imports' && /^\d{1,12}$/.test(s[1] ?? '') ? { id: s[1]! } : null),
    render: (p) => <Suspense fallback={loading}>{<ImportViewPage key={p.id} id={Number(p.id)} />}</Suspense>,
    navId: 'imports',
  },
  {
    id: 'host',
    match: (s) => (s[0] === 'host' && s[1] && (s.length === 2 || (s.length === 4 && msRange(s[2], s[3]))) ? { id: s[1], ...(msRange(s[2], s[3]) ?? {}) } : null),
    render: (p) => <Suspense fallback={loading}>{<HostPage key={`${p.id}/${p.from ?? ''}`} hostId={p.id!} {...(p.from && p.to ? { from: Number(p.from), to: Number(p.to) } : {})} />}</Suspense>,
    navId: 'imports',
  },
  {
    id: 'series',
    match: (s) => (s.length === 2 && s[0] === 'series' && /^(node|host):.+$/.test(s[1] ?? '') ? { entity: s[1]! } : null),
    render: (p) => <Suspense fallback={loading}>{<SeriesBrowserPage key={p.entity} entity={p.entity!} />}</Suspense>,
    navId: 'imports',
  },
  {
    id: 'logs',
    match: logsMatch,
    render: (p) => (
      <Suspense fallback={loading}>
        <LogsPage key={`${p.tab}/${p.source ?? ''}/${p.ctx ?? ''}`} tab={p.tab as 'explorer' | 'sources' | 'unparsed'} {...(p.source ? { sourceId: Number(p.source) } : {})} {...(p.ctx ? { ctx: p.ctx } : {})} />
      </Suspense>
    ),
    nav: { label: 'Logs', href: '#/logs' },
  },
  {
    id: 'incidents',
    match: (s): Record<string, string> | null => (s[0] !== 'incidents' ? null : s.length === 1 ? {} : s.length === 2 && /^\d{1,12}$/.test(s[1] ?? '') ? { id: s[1]! } : null),
    render: (p) => <Suspense fallback={loading}>{<IncidentsPage {...(p.id ? { selectedId: Number(p.id) } : {})} />}</Suspense>,
    nav: { label: 'Incidents', href: '#/incidents' },
  },
  {
    id: 'slow-queries',
    match: (s) => (s.length === 1 && s[0] === 'slow-queries' ? {} : null),
    render: () => <Suspense fallback={loading}>{<SlowQueriesPage />}</Suspense>,
    nav: { label: 'Slow queries', href: '#/slow-queries' },
  },
  {
    id: 'clients',
    match: (s) => (s.length === 1 && s[0] === 'clients' ? {} : null),
    render: () => <Suspense fallback={loading}>{<ConnectionsAnalysisPage />}</Suspense>,
    nav: { label: 'Clients', href: '#/clients' },
  },
  {
    // `#/explain?ns=…&filter=…` (slow queries link shapes here): the page reads its query from the hash itself.
    id: 'explain',
    match: (s) => (s.length >= 1 && (s[0] === 'explain' || s[0]!.startsWith('explain?')) ? {} : null),
    render: () => <Suspense fallback={loading}>{<ExplainPage />}</Suspense>,
    nav: { label: 'Explain', href: '#/explain' },
  },
];

export const DEFAULT_ROUTE = 'connections';

export interface Resolved {
  route: RouteDef;
  params: Record<string, string>;
}

/** The route for a path; `/` goes to the default route, anything unknown to null (a "not found" page). */
export function resolve(path: string): Resolved | null {
  const segments = segmentsOf(path);
  if (!segments) return null;
  if (segments.length === 0) {
    const route = ROUTES.find((r) => r.id === DEFAULT_ROUTE)!;
    return { route, params: {} };
  }
  for (const route of ROUTES) {
    const params = route.match(segments);
    if (params) return { route, params };
  }
  return null;
}
