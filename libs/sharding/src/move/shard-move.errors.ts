/** What every shard-move failure throws: `code` is stable, the message says what to do next. */
export class ShardMoveError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShardMoveError';
    this.code = code;
  }
}
