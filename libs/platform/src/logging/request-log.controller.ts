import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Called as each response finishes, with its request and reply. */
export type ResponseObserver = (request: FastifyRequest, reply: FastifyReply) => void;

// Fastify's per-request lines as the platform wants them: none at info (refusals and failures are logged
// by the error handler), one "request completed" line at debug. Fastify calls requestCompleted as each
// response finishes, so the debug line and the response observers (the RED metrics) cost no hook.
export class RequestLogController extends LogController {
  readonly #debug: boolean;
  readonly #observers: ResponseObserver[] = [];

  constructor(opts: { debug: boolean }) {
    super({ disableRequestLogging: true, requestIdLogLabel: 'requestId' });
    this.#debug = opts.debug;
  }

  observeResponses(observer: ResponseObserver): void {
    this.#observers.push(observer);
  }

  override requestCompleted(_error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    for (const observe of this.#observers) observe(request, reply);
    if (!this.#debug) return;
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
      'request completed',
    );
  }
}
