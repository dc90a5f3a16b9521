/**
 * How failures become answers: which ones a caller may retry (503: the
 * state database or the target did not answer), which are the request's
 * fault (422: the server refused it), and which are bugs (500, untouched).
 */
import { ActionRejection } from '../actions/types.js';
import { ApiError } from '../http/errors.js';
import { errorMessage } from '../log.js';
import { TimeoutError } from '../timeout.js';

/**
 * A failure reaching the state database (connection refused, shut down)
 * is a 503 the caller can retry, not a bug; anything else stays a 500.
 */
export function stateErrorAsApiError(err: unknown): unknown {
  if (err instanceof ApiError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && isUnavailableCode(code)) {
    return new ApiError(503, 'state_unavailable', `the state database did not answer: ${errorMessage(err)}`);
  }
  return err;
}

/**
 * What a failed `prepare` tells the caller: the action's own rejection as
 * is; an unreachable target (or one too slow to answer) as 503; a statement
 * the server refused (a SQLSTATE) as 422 with its message; anything else is
 * a bug and stays a 500.
 */
export function prepareErrorAsApiError(err: unknown, target: { kind: string; name: string }): unknown {
  if (err instanceof ActionRejection) return new ApiError(err.status, err.code, err.message, err.details);
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof TimeoutError || (typeof code === 'string' && isUnavailableCode(code))) {
    return new ApiError(503, 'target_unavailable', `could not check the request against ${target.kind} target ${target.name}: ${errorMessage(err)}`);
  }
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return new ApiError(422, 'refused_by_server', `${target.name} refused the request: ${errorMessage(err)} (SQLSTATE ${code})`);
  }
  return err;
}

/** Node's errno codes (ECONNREFUSED, ETIMEDOUT…) and SQLSTATE classes 08 (connection), 53 (resources), 57 (shutdown, cancel). */
function isUnavailableCode(code: string): boolean {
  return /^E[A-Z]+$/.test(code) || /^(08|53|57)/.test(code);
}
