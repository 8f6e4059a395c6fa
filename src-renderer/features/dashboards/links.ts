/** Links to the dashboard pages (the route registry parses the same shapes). */
export const dashboardHrefs = {
  dashboards: '#/dashboards',
  cluster: (connectionId: string) => `#/cluster/${encodeURIComponent(connectionId)}`,
  replication: (connectionId: string) => `#/replication/${encodeURIComponent(connectionId)}`,
  compare: '#/compare',
  collections: (nodeId: string) => `#/collections/${encodeURIComponent(nodeId)}`,
} as const;
