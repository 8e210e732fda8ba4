import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type LogLine = Record<string, unknown> & { msg?: string };

/**
 * Runs a fixture script as a child process and follows its JSON log lines on stdout, so a test can wait
 * for a line, signal the process and read its exit code.
 */
export function startFixture(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [fileURLToPath(new URL(`../fixtures/${script}`, import.meta.url))], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text };
    }
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.match(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as string | null,
  }));

  return {
    lines,
    get stderr() {
      return stderr;
    },
    /** Resolves with the first log line (already seen or coming) whose message is `msg`; rejects if the child exits first. */
    waitForLine(msg: string): Promise<LogLine> {
      const seen = lines.find((l) => l.msg === msg);
      if (seen) return Promise.resolve(seen);
      return Promise.race([
        new Promise<LogLine>((resolve) => waiters.push({ match: (l) => l.msg === msg, resolve })),
        exited.then(({ code }) => {
          throw new Error(`fixture exited (${code}) before logging "${msg}"; stderr:\n${stderr}`);
        }),
      ]);
    },
    signal: (name: NodeJS.Signals) => child.kill(name),
    exited,
    /** The exit, or a rejection if the child is still running after `seconds`, so a hang fails the test. */
    exitedWithin(seconds: number) {
      return Promise.race([
        exited,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`fixture still running after ${seconds} s`)),
            seconds * 1000,
          ).unref(),
        ),
      ]);
    },
    /** Kills the child if a test failed before it exited. */
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
