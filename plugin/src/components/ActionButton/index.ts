export { ActionButton, type ActionButtonProps } from './ActionButton';
export { ActionDialog } from './ActionDialog';
