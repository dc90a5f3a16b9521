export { ActionButton, type ActionButtonProps } from './ActionButton';
export { ActionDialog } from './ActionDialog';
export { ActionDialogHost, useActionDialogs } from './ActionDialogHost';
