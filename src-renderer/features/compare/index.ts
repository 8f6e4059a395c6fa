export { ComparePage, type ComparePageProps } from './compare-page';
