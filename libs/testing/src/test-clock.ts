/**
 * A clock a test moves by hand, for code that takes `now()`: expiry and lifetimes are then tested by
 * advancing time instead of sleeping through it. Starts at a fixed instant unless given one.
 */
export class TestClock {
  #nowMs: number;

  constructor(start: Date | number = Date.UTC(2030, 0, 1)) {
    this.#nowMs = typeof start === 'number' ? start : start.getTime();
  }

  /** The current test time; pass `() => clock.now()` (or `clock.now`) where the code wants `now()`. */
  readonly now = (): Date => new Date(this.#nowMs);

  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new Error(`TestClock.advance takes a duration >= 0 ms, not ${ms}`);
    this.#nowMs += ms;
  }

  /** Jumps to `instant` (forward or back). */
  set(instant: Date | number): void {
    this.#nowMs = typeof instant === 'number' ? instant : instant.getTime();
  }
}
