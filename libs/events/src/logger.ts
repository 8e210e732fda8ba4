/** The subset of a pino logger this library writes to; pass `app.log` or any pino instance. */
export interface Logger {
  debug(details: object, message?: string): void;
  info(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

// Without a logger, problems must still surface: warnings and errors go to stderr as JSON lines.
export const stderrLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (details, message) => writeLine('warn', details, message),
  error: (details, message) => writeLine('error', details, message),
};

function writeLine(level: string, details: object, message?: string): void {
  process.stderr.write(`${JSON.stringify({ level, msg: message, ...serializable(details) })}\n`);
}

function serializable(details: object): object {
  const copy: Record<string, unknown> = { ...details };
  for (const [key, value] of Object.entries(copy)) {
    if (value instanceof Error) copy[key] = { name: value.name, message: value.message };
  }
  return copy;
}
