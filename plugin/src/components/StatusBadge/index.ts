export { JobStatusBadge } from './StatusBadge';
