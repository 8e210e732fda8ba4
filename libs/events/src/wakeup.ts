/** A loop's idle wait that a signal (a NOTIFY, a shutdown) can cut short; a signal sent while busy is kept. */
export class Wakeup {
  #wake: (() => void) | undefined;
  #pending = false;

  /** Resolves after `timeoutMs`, or at once / early when {@link wake} was or is called. */
  wait(timeoutMs: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        this.#pending = false;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#wake = done;
    });
  }

  wake(): void {
    if (this.#wake === undefined) this.#pending = true;
    else this.#wake();
  }
}
