export { ClusterPage, type ClusterPageProps } from './cluster-page';
