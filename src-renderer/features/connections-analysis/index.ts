// Connection analysis: top clients by application, driver, address, user or OS; churn over time; each connection's story.
export { ConnectionsAnalysisPage } from './connections-analysis-page';
export { churnOption } from './churn-options';
