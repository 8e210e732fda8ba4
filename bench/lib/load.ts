import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  /** Successful (2xx) responses per second over the whole run. */
  rps: number;
  responses: number;
  durationSeconds: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/**
 * Drives a closed-loop load with autocannon (one request in flight per connection) and refuses the
 * run if anything failed: a server answering errors fast would otherwise look like a fast server.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    pipelining: 1,
  });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0) {
    throw new Error(
      `Load on ${options.url} got ${result.errors} connection errors, ${result.timeouts} timeouts and ` +
        `${result.non2xx} non-2xx responses: check the server's output and that the URL answers 200, then run again.`,
    );
  }
  return {
    rps: result['2xx'] / result.duration,
    responses: result['2xx'],
    durationSeconds: result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}
