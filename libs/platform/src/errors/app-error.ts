/**
 * A failure the domain expects and the client can act on. Each service keeps a catalog of codes
 * (`AUTH_ERR_*`, `ORDER_ERR_*`) and the error handler renders it as application/problem+json.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: string,
    status: number,
    message: string,
    options: {
      extensions?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

/** Declares an error catalog entry once and returns a factory for it. */
export function defineError(code: string, status: number, defaultMessage: string) {
  return (message = defaultMessage, options?: ConstructorParameters<typeof AppError>[3]) =>
    new AppError(code, status, message, options);
}

export const PlatformErrors = {
  unauthorized: defineError('PLATFORM_ERR_UNAUTHORIZED', 401, 'A valid access token is required.'),
  forbidden: defineError('PLATFORM_ERR_FORBIDDEN', 403, 'You do not have the role this action requires.'),
  notFound: defineError('PLATFORM_ERR_NOT_FOUND', 404, 'No route matches this method and path.'),
  upstreamUnavailable: defineError(
    'PLATFORM_ERR_UPSTREAM_UNAVAILABLE',
    503,
    'A service this request depends on is unavailable; try again shortly.',
  ),
};
