export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string | undefined;
  details: object;
}

/** The pino-shaped logger the libraries take: `(details, message?)` per level. */
export interface RecordingLogger {
  entries: LogEntry[];
  debug(details: object, message?: string): void;
  info(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

/**
 * A logger that keeps its entries for assertions. When the environment variable `printVariable` is `1`,
 * warnings and errors also go to stderr (errors in details shown by their message), to watch a test run.
 */
export function recordingLogger(printVariable: string): RecordingLogger {
  const entries: LogEntry[] = [];
  const log =
    (level: LogEntry['level']) =>
    (details: object, message?: string): void => {
      entries.push({ level, message, details });
      if (process.env[printVariable] === '1' && (level === 'warn' || level === 'error')) {
        const shown = JSON.stringify(details, (_key, value: unknown) =>
          value instanceof Error ? value.message : value,
        );
        process.stderr.write(`[${level}] ${message ?? ''} ${shown}\n`);
      }
    };
  return { entries, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
