export { CollectionsPage, type CollectionsPageProps } from './collections-page';
