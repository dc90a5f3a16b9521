export { TargetPicker } from './TargetPicker';
