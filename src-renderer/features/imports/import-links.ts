/** Links of the imports feature (hash routes registered in app/routes.tsx). */
export const importsHref = '#/imports';
export const importHref = (id: number): string => `#/imports/${id}`;
/** The node dashboard opened on a fixed range: `#/node/<id>/<from>/<to>`. */
export const nodeRangeHref = (nodeId: string, from: number, to: number): string => `#/node/${encodeURIComponent(nodeId)}/${Math.floor(from)}/${Math.ceil(to)}`;
