// Explain: run it on a node (safely) or import one, the plan tree, findings, index advice, plan history.
export { ExplainPage } from './explain-page';
export { explainQueryHref, parseExplainLink, type ExplainLink } from './explain-link';
