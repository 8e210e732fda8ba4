import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { K8S_ROOT } from './generate.ts';

const TIMEOUT_MS = 600_000;

/**
 * Runs `node k8s/src/<script> <jobFile>` in a network namespace of its own (`unshare -n`: only a loopback,
 * so the control plane it starts can reach nothing and nothing can reach it) and parses the JSON report it
 * prints. Its stderr (the control plane's progress) is streamed through; a failure quotes its last 4 KB.
 */
export function runIsolated<Report>(script: string, jobFile: string, what: string): Promise<Report> {
  return new Promise<Report>((resolvePromise, reject) => {
    const child = spawn('unshare', ['-n', process.execPath, join(K8S_ROOT, 'src', script), jobFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      process.stderr.write(c);
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), TIMEOUT_MS);
    child.once('error', (error) =>
      reject(new Error(`could not start \`unshare\` (${error.message}): install util-linux, then retry.`)),
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(JSON.parse(out) as Report);
      else
        reject(
          new Error(
            `${what} failed (${code ?? signal}${signal === 'SIGTERM' ? `, stopped after ${TIMEOUT_MS / 60_000} min` : ''}):\n${err.slice(-4000)}`,
          ),
        );
    });
  });
}
