/**
 * Who is calling the API, and may they?
 *
 * Bearer tokens from the config, each with a role (`viewer < operator <
 * admin`), compared in constant time. With no token configured the API is
 * read-only: GETs are open, anything else is refused and says why. With
 * tokens configured every /api/v1 request needs one (the OpenAPI document
 * excepted), because jobs and the audit log name people and tables.
 *
 * The actor is the Grafana user when the plugin proxy says who is signed in
 * (`X-Grafana-Context`), else the token's name. The header is believed only
 * together with a valid token: the token proves the proxy sent it.
 *
 * `X-Upkeep-Role-Limit` lowers the token's role for one request. Grafana's
 * plugin proxy holds one token for every user; its routes for Editors send
 * `operator` and its routes for Admins `admin`, so Grafana's own roles decide
 * who may do what. The header can only lower a role, so whoever sends it
 * gains nothing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { ROLES, roleAllows, type Role } from '../actions/types.js';
import type { ApiTokenConfig } from '../config/types.js';
import type { Caller } from '../jobs/jobRecord.js';
import { ApiError } from './errors.js';

export const ROLE_LIMIT_HEADER = 'X-Upkeep-Role-Limit';

export const READ_ONLY_MESSAGE = 'the API is read-only: no tokens are configured (auth.tokens), so nothing can be changed through it';

interface TokenDigest {
  name: string;
  role: Role;
  digest: Buffer;
}

const digestOf = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export class ApiAuth {
  private readonly tokens: TokenDigest[];

  constructor(tokens: readonly ApiTokenConfig[]) {
    this.tokens = tokens.map((t) => ({ name: t.name, role: t.role, digest: digestOf(t.token) }));
  }

  get readOnly(): boolean {
    return this.tokens.length === 0;
  }

  /** The caller of a request, or an ApiError (401/403) saying why not. */
  identify(req: Request): Caller {
    const header = req.get('Authorization');
    if (this.readOnly) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(403, 'read_only', READ_ONLY_MESSAGE);
      return { actor: 'anonymous', tokenName: undefined, role: 'viewer', origin: 'api' };
    }
    if (header === undefined || header.trim() === '') {
      throw new ApiError(401, 'unauthenticated', 'this API needs a bearer token: send "Authorization: Bearer <token>"');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new ApiError(401, 'unauthenticated', 'the Authorization header must be "Bearer <token>"');
    const token = this.match(match[1]);
    if (!token) throw new ApiError(401, 'unauthenticated', 'the bearer token is not valid');
    const grafanaUser = grafanaUserOf(req.get('X-Grafana-Context'));
    const limit = roleLimitOf(req.get(ROLE_LIMIT_HEADER));
    const role = limit !== undefined && !roleAllows(limit, token.role) ? limit : token.role;
    return { actor: grafanaUser ?? token.name, tokenName: token.name, role, tokenRole: token.role, origin: grafanaUser ? 'grafana' : 'api' };
  }

  /** Compares against every token, always all of them, each in constant time: timing reveals nothing. */
  private match(presented: string): TokenDigest | undefined {
    const digest = digestOf(presented);
    let found: TokenDigest | undefined;
    for (const token of this.tokens) {
      if (timingSafeEqual(digest, token.digest) && !found) found = token;
    }
    return found;
  }
}

/** The role a request asks to be limited to; a value that is no role is a bad request, not silently ignored. */
function roleLimitOf(header: string | undefined): Role | undefined {
  if (header === undefined) return undefined;
  const wanted = header.trim().toLowerCase();
  const role = ROLES.find((r) => r === wanted);
  if (!role) throw new ApiError(400, 'invalid_request', `${ROLE_LIMIT_HEADER} must be one of ${ROLES.join(', ')}; got ${JSON.stringify(header.slice(0, 50))}`);
  return role;
}

/**
 * The signed-in user from Grafana's plugin proxy: a JSON rendering of its
 * SignedInUser, whose key spelling has varied across versions.
 */
export function grafanaUserOf(header: string | undefined): string | undefined {
  if (!header || header.length > 16_384) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const fields = parsed as Record<string, unknown>;
  for (const key of ['Login', 'login', 'Email', 'email', 'Name', 'name']) {
    const value = fields[key];
    if (typeof value === 'string' && value.trim() !== '') return `grafana:${value.trim().slice(0, 200)}`;
  }
  return undefined;
}
