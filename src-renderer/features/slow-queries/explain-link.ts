/**
 * The explain view's link for a shape (`#/explain?ns=…&filter=…`, built by another feature): the
 * namespace and the shape's filter, literals shown by type as the shape holds them.
 */
export function explainHref(ns: string, shapeText: string): string {
  let filter: unknown = {};
  try {
    const parsed = JSON.parse(shapeText) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object') {
      if ('filter' in parsed) filter = parsed.filter;
      else if (Array.isArray(parsed.pipeline)) {
        const match = (parsed.pipeline as unknown[]).find((s) => typeof s === 'object' && s !== null && '$match' in s) as { $match?: unknown } | undefined;
        if (match) filter = match.$match;
      }
    }
  } catch {
    // An unparsable shape explains without a filter.
  }
  return `#/explain?ns=${encodeURIComponent(ns)}&filter=${encodeURIComponent(JSON.stringify(filter ?? {}))}`;
}
