// Public surface of the event store: log sources in events.db, the views' queries, incidents and "what happened here?".
export { EventStore, type EventStoreOptions, type SourceRecord } from './event.store';
export { EventWriter, EventKind, shapeKey, type WriterOptions } from './event-writer';
export { EVENT_MIGRATIONS } from './event-store-schema';
export { signalOf, type Signal, type SignalKind } from './signals';
export {
  searchEvents,
  getEvent,
  countEvents,
  eventBuckets,
  unparsedLines,
  listOperations,
  shapeStats,
  connectionAnalysis,
  listSessions,
  sessionDetail,
  parseSearchText,
  stepFor,
} from './event-queries';
export { rebuildIncidents, listIncidents, incidentDetail, nodeLabel, INCIDENT_TUNING } from './incident-detector';
export { importInputs, type LocalImportOptions, type LocalImportProgress } from './local-import';
export { MetricStoreRanking, LogRateRanking, rankMovers, moverScore, type RankingSource, type RankingWindow } from './ranking';
export { summarizeWindow, type WindowQuery } from './window-summary';
export { RemoteLogFollower, type RemoteCursor, type FollowOptions } from './remote-log-follower';
export { GetLogPoller, type GetLogPort, type GetLogCursor, type PollResult } from './get-log-poller';
