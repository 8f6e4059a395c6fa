// Slow operations by query shape (count, time quantiles, examined/returned, plans and their changes), linked to the explain view.
export { SlowQueriesPage } from './slow-queries-page';
export { explainHref } from './explain-link';
