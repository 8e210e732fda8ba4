import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const DEFAULT_TIMEOUT_MS = 600_000;

/**
 * Runs `node <script> ...args` in a network namespace of its own (`unshare -n`, as root): only a loopback,
 * so what it starts can reach nothing outside and take any port without meeting another test's servers or a
 * developer's running shop. The script calls loopbackUp() first and prints its JSON report on stdout, which
 * is parsed and returned. Its stderr (progress) is streamed through; a failure quotes its last 4 KB.
 */
export function runIsolated<Report>(
  script: string,
  args: string[],
  what: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Report> {
  return new Promise<Report>((resolvePromise, reject) => {
    const child = spawn('unshare', ['-n', process.execPath, script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      process.stderr.write(c);
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('error', (error) =>
      reject(new Error(`could not start \`unshare\` (${error.message}): install util-linux, then retry.`)),
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(JSON.parse(out) as Report);
      else
        reject(
          new Error(
            `${what} failed (${code ?? signal}${signal === 'SIGTERM' ? `, stopped after ${timeoutMs / 60_000} min` : ''}):\n${err.slice(-4000)}`,
          ),
        );
    });
  });
}

/** Brings the loopback of a fresh network namespace up (it starts down): the first call of an isolated script. */
export async function loopbackUp(): Promise<void> {
  await promisify(execFile)('ip', ['link', 'set', 'lo', 'up']).catch((error: { stderr?: string }) => {
    throw new Error(
      `ip link set lo up failed: ${error.stderr ?? String(error)} (run this inside unshare -n, as root; ` +
        'install iproute2 if ip is missing)',
    );
  });
}
