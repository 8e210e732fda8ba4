import { startChildServer, type ChildServer } from './child-server.ts';
import { runLoad } from './load.ts';
import { median, round } from './stats.ts';

export interface Contender {
  name: string;
  /** A server module that calls announceListening() once it listens on 127.0.0.1. */
  entry: URL;
  env?: Record<string, string>;
  nodeArgs?: string[];
  stopGraceMs?: number;
}

export interface SideBySideOptions {
  contenders: readonly Contender[];
  /** Path every load run requests, e.g. `/products/42`. */
  path: string;
  connections: number;
  warmupSeconds: number;
  runSeconds: number;
  /** Each round loads every contender once, in the given order, so slow drift hits all of them alike. */
  rounds: number;
  progress(message: string): void;
  /** Runs once all servers listen and before any load, e.g. to check they answer the same bytes. */
  beforeLoad?(servers: readonly ChildServer[]): Promise<void>;
}

export interface Run {
  round: number;
  rps: number;
  /** Server CPU time over wall time; near 1 means the server, not the load generator, was the limit. */
  serverCpuCores: number;
  /** Responses per CPU second of the server: less sensitive than rps to other work on the machine. */
  responsesPerCpuSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

export interface ContenderResult {
  name: string;
  runs: Run[];
  medianRps: number;
  medianResponsesPerCpuSecond: number;
  medianServerCpuCores: number;
}

async function measure(server: ChildServer, options: SideBySideOptions, roundNumber: number): Promise<Run> {
  const cpuBefore = await server.cpuSeconds();
  const load = await runLoad({
    url: server.url + options.path,
    connections: options.connections,
    durationSeconds: options.runSeconds,
  });
  const cpuSeconds = (await server.cpuSeconds()) - cpuBefore;
  return {
    round: roundNumber,
    rps: round(load.rps),
    serverCpuCores: round(cpuSeconds / load.durationSeconds, 2),
    responsesPerCpuSecond: round(load.responses / cpuSeconds),
    latencyP50Ms: load.latencyP50Ms,
    latencyP99Ms: load.latencyP99Ms,
  };
}

/**
 * Starts each contender in its own process, warms each up, then loads them in alternation for several
 * rounds and reports per-contender medians; ratios between contenders are meaningful, absolute numbers
 * only on the machine that produced them.
 */
export async function compareSideBySide(options: SideBySideOptions): Promise<ContenderResult[]> {
  const { progress } = options;
  const servers: ChildServer[] = [];
  try {
    for (const contender of options.contenders) {
      progress(`starting server '${contender.name}'`);
      servers.push(
        await startChildServer({
          name: contender.name,
          entry: contender.entry,
          env: contender.env,
          nodeArgs: contender.nodeArgs,
          stopGraceMs: contender.stopGraceMs,
        }),
      );
    }
    await options.beforeLoad?.(servers);

    for (const server of servers) {
      progress(`warming up '${server.name}' for ${options.warmupSeconds} s`);
      await runLoad({
        url: server.url + options.path,
        connections: options.connections,
        durationSeconds: options.warmupSeconds,
      });
    }

    const runs = new Map<string, Run[]>(servers.map((s) => [s.name, []]));
    for (let r = 1; r <= options.rounds; r++) {
      for (const server of servers) {
        progress(`round ${r}/${options.rounds}: loading '${server.name}' for ${options.runSeconds} s`);
        const run = await measure(server, options, r);
        runs.get(server.name)!.push(run);
        progress(
          `round ${r}/${options.rounds}: '${server.name}' ${run.rps.toLocaleString('en-US')} req/s, ` +
            `server at ${run.serverCpuCores} cores, p99 ${run.latencyP99Ms} ms`,
        );
      }
    }

    return servers.map((server) => {
      const own = runs.get(server.name)!;
      return {
        name: server.name,
        runs: own,
        medianRps: round(median(own.map((run) => run.rps))),
        medianResponsesPerCpuSecond: round(median(own.map((run) => run.responsesPerCpuSecond))),
        medianServerCpuCores: round(median(own.map((run) => run.serverCpuCores)), 2),
      };
    });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}
