import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

// Fastify's per-request lines as the platform wants them: none at info (refusals and failures are logged
// by the error handler), one "request completed" line at debug. Fastify calls requestCompleted as each
// response finishes, so the debug line costs no hook.
export class RequestLogController extends LogController {
  readonly #debug: boolean;

  constructor(opts: { debug: boolean }) {
    super({ disableRequestLogging: true, requestIdLogLabel: 'requestId' });
    this.#debug = opts.debug;
  }

  override requestCompleted(_error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    if (!this.#debug) return;
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
      'request completed',
    );
  }
}
