/**
 * The one error type of the HTTP layer and the handler that turns every error
 * into `{"error": {"code", "message", "details"}}` with the right status.
 * A 5xx is a bug: it is logged with the request that caused it.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../log.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `no such endpoint: ${req.method} ${req.path}`));
};

/** For a known path asked with the wrong method. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  return (req, res, next) => {
    res.set('Allow', allowed.join(', '));
    next(new ApiError(405, 'method_not_allowed', `${req.method} is not supported on ${req.path}; use ${allowed.join(' or ')}`));
  };
}

/** body-parser reports malformed input through `type` and `status` on the error. */
interface BodyParserError {
  type?: unknown;
  status?: unknown;
  message?: unknown;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let apiError: ApiError;
    if (err instanceof ApiError) {
      apiError = err;
    } else {
      const parserError = (err ?? {}) as BodyParserError;
      if (parserError.type === 'entity.parse.failed') {
        apiError = new ApiError(400, 'invalid_json', `request body is not valid JSON: ${String(parserError.message)}`);
      } else if (parserError.type === 'entity.too.large') {
        apiError = new ApiError(413, 'payload_too_large', 'request body is too large');
      } else if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
        apiError = new ApiError(parserError.status, 'bad_request', String(parserError.message));
      } else {
        log.error('http.internal_error', { method: req.method, path: req.path, error: err });
        apiError = new ApiError(500, 'internal', 'internal error; the exporter log has the details');
      }
    }
    const body: { error: { code: string; message: string; details?: unknown } } = {
      error: { code: apiError.code, message: apiError.message },
    };
    if (apiError.details !== undefined) body.error.details = apiError.details;
    res.status(apiError.status).json(body);
  };
}
