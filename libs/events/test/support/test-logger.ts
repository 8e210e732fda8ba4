import type { Logger } from '../../src/index.ts';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string | undefined;
  details: object;
}

/** A logger that keeps entries for assertions; set EVENTS_TEST_LOG=1 to also print warnings and errors. */
export function testLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const log =
    (level: LogEntry['level']) =>
    (details: object, message?: string): void => {
      entries.push({ level, message, details });
      if (process.env.EVENTS_TEST_LOG === '1' && (level === 'warn' || level === 'error')) {
        process.stderr.write(
          `[${level}] ${message ?? ''} ${JSON.stringify(details, (_key, value: unknown) => (value instanceof Error ? value.message : value))}\n`,
        );
      }
    };
  return { entries, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
