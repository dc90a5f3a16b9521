export { JobProgress, ProgressBar, jobLink } from './JobProgress';
