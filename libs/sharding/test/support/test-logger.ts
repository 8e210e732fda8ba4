import type { Logger } from '@shop/events';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string | undefined;
  details: object;
}

/** A logger that keeps entries for assertions; SHARDING_TEST_LOG=1 also prints warnings and errors. */
export function testLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const log =
    (level: LogEntry['level']) =>
    (details: object, message?: string): void => {
      entries.push({ level, message, details });
      if (process.env['SHARDING_TEST_LOG'] === '1' && (level === 'warn' || level === 'error')) {
        process.stderr.write(`[${level}] ${message ?? ''}\n`);
      }
    };
  return { entries, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
