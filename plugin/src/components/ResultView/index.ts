export { ResultView, formatScalar } from './ResultView';
