/** Links shared by features; the app's route registry parses the same shapes. */
export const hrefs = {
  connections: '#/connections',
  overview: '#/overview',
  // A node id holds a `/` (deployment/host:port): encode it as one path segment.
  node: (nodeId: string) => `#/node/${encodeURIComponent(nodeId)}`,
} as const;
