export { NodePage, type NodePageProps } from './node-page';
