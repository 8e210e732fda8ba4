import createClient from 'openapi-fetch';
import { createSessionFetch } from '../lib/refresh-queue.ts';
import type { components, paths } from './schema.d.ts';

export type Schemas = components['schemas'];

// The access token: in memory only (gone on reload; the refresh token brings a new one).
let accessToken: string | undefined;
export const setAccessToken = (token: string | undefined) => {
  accessToken = token;
};
export const getAccessToken = () => accessToken;

let refresher: () => Promise<string | undefined> = async () => undefined;
/** The session module installs how a refresh is done. */
export const setRefresher = (refresh: () => Promise<string | undefined>) => {
  refresher = refresh;
};

export const sessionFetch = createSessionFetch({
  fetch: (request) => fetch(request),
  getToken: () => accessToken,
  refresh: () => refresher(),
});

/** The gateway, same origin; every call typed by the OpenAPI document (src/api/schema.d.ts). */
export const api = createClient<paths>({ baseUrl: '', fetch: sessionFetch });

/**
 * For sign-up, sign-in, refresh and sign-out: plain fetch, outside the session fetch (a refresh must never
 * wait for the refresh it is).
 */
export const authApi = createClient<paths>({ baseUrl: '' });

/** A problem+json answer (RFC 9457) as the services send it. */
export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  code?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `The shop answered ${problem.status}.`);
    this.status = problem.status;
    this.code = problem.code;
  }
}

/** The data of an openapi-fetch result, or an ApiError with the problem's words. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    const body = (result.error ?? {}) as Partial<Problem>;
    throw new ApiError({ ...body, status: result.response.status });
  }
  return result.data;
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
