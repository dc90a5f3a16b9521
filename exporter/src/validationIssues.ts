/**
 * What a failed zod parse says, in the two forms callers want: a list of
 * `{path, message}` for an API error's details, and one line for a message
 * (the first few issues). One place, so the API, the job runner and the
 * schedule checks word a validation failure alike.
 */
import type { ZodError } from 'zod';

export interface ValidationIssue {
  path: string;
  message: string;
}

/** `root` names the whole value when an issue has no path (`(params)`, `(root)`). */
export function issueList(error: ZodError, root: string): ValidationIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || root, message: i.message }));
}

const SHOWN_IN_A_LINE = 5;

export function issueLine(error: ZodError, root: string): string {
  return issueList(error, root)
    .slice(0, SHOWN_IN_A_LINE)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}
