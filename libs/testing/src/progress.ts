/** Writes one progress line on stderr, so it never mixes with a test reporter on stdout. */
export function progress(message: string): void {
  process.stderr.write(`[testing] ${message}\n`);
}
