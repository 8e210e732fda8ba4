/** One pino line, parsed. */
export type LogLine = Record<string, unknown> & { level: number; msg?: string };

export interface CapturedLogs {
  /** A pino destination: hand it to `ServiceSettings.logDestination` or `pino(options, destination)`. */
  destination: { write(line: string): void };
  lines: LogLine[];
  /** The lines whose message equals `msg`. */
  withMessage(msg: string): LogLine[];
}

/** Collects the JSON lines a pino logger writes, so tests can assert what was logged. */
export function captureLogs(): CapturedLogs {
  const lines: LogLine[] = [];
  return {
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    lines,
    withMessage: (msg) => lines.filter((line) => line.msg === msg),
  };
}
