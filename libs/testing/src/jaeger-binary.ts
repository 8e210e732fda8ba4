import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureGoBinary, type GoBuildReporter } from './go-build.ts';
import { progress } from './progress.ts';

/** The Jaeger release the kit runs: v2 (an OpenTelemetry Collector distribution), OTLP and Jaeger thrift in. */
export const JAEGER_VERSION = 'v1.76.0';
const JAEGER_MODULE = 'github.com/jaegertracing/jaeger';

const REPORTER: GoBuildReporter = {
  tag: 'testing',
  progress,
  remedy:
    'Install Go 1.24+ (https://go.dev/dl, or /usr/local/go/bin/go), or set JAEGER_BINARY to a built jaeger binary, or JAEGER_QUERY_URL to a running Jaeger.',
};

/**
 * Where the built binary is cached: `JAEGER_BINARY` when set, else `~/.cache/jaeger-<version>` (outside the
 * repository, so every worktree and CI step shares one 25-minute build).
 */
export function jaegerBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['JAEGER_BINARY'];
  if (configured !== undefined && configured !== '') return configured;
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), `jaeger-${JAEGER_VERSION}`);
}

/**
 * The Jaeger binary, built on first use from the Go module proxy (10-25 minutes on 2 cores) and cached:
 * `go get -tool` then `go build` in a throwaway module. When another process is building it (CI starts the
 * build in the background early), waits for that build instead of starting a second one.
 */
export function ensureJaegerBinary(binary: string = jaegerBinaryPath()): Promise<string> {
  return ensureGoBinary(
    {
      binary,
      label: `Jaeger ${JAEGER_VERSION}`,
      minutes: '10-25',
      logVariable: 'JAEGER_BUILD_LOG',
      build: async ({ go, output }) => {
        await go(['mod', 'init', 'shop.test/jaeger-build']);
        await go(['get', '-tool', `${JAEGER_MODULE}/cmd/jaeger@${JAEGER_VERSION}`]);
        await go(['build', '-v', '-o', output, `${JAEGER_MODULE}/cmd/jaeger`]);
      },
    },
    REPORTER,
  );
}

// `node libs/testing/src/jaeger-binary.ts`: CI starts the build early, in the background, with this.
if (import.meta.main) {
  try {
    process.stdout.write(`${await ensureJaegerBinary()}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
