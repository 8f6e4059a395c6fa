export { ReplicationPage, type ReplicationPageProps } from './replication-page';
