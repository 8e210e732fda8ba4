// Access tokens live in memory only and last minutes. A request answered 401 waits for one refresh (however
// many requests failed at once: they queue behind the same promise) and is replayed once with the new token.

export interface SessionFetchOptions {
  fetch: (request: Request) => Promise<Response>;
  /** The access token now, if signed in. */
  getToken: () => string | undefined;
  /** Gets a new access token (undefined: the session is over); called at most once at a time. */
  refresh: () => Promise<string | undefined>;
}

export interface SessionFetch {
  (request: Request): Promise<Response>;
  /** One refresh for every caller until it settles. */
  refreshOnce: () => Promise<string | undefined>;
}

function withToken(request: Request, token: string | undefined): Request {
  const next = new Request(request);
  if (token !== undefined) next.headers.set('authorization', `Bearer ${token}`);
  return next;
}

export function createSessionFetch(options: SessionFetchOptions): SessionFetch {
  let inFlight: Promise<string | undefined> | undefined;
  const refreshOnce = () => {
    inFlight ??= options.refresh().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const sessionFetch = async (request: Request): Promise<Response> => {
    // Kept for the replay: a sent request's body cannot be read again.
    const spare = request.clone();
    // A request started while a refresh runs waits for it rather than failing with the old token.
    const token = inFlight !== undefined ? await inFlight : options.getToken();
    const response = await options.fetch(withToken(request, token));
    if (response.status !== 401 || token === undefined) return response;
    const fresh = await refreshOnce();
    if (fresh === undefined) return response;
    return options.fetch(withToken(spare, fresh));
  };
  return Object.assign(sessionFetch, { refreshOnce });
}
