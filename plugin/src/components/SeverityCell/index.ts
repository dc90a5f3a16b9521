export { SeverityCell, type SeverityCellProps } from './SeverityCell';
