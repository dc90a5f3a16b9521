export { LinkedAction } from './LinkedAction';
