/** A goal a figure should meet; missing it is reported, never fatal (bench numbers are noisy). */
export interface Goal {
  op: '>=' | '<=';
  value: number;
}

/** One measured number, as every bench returns it and `bench/results/latest.json` stores it. */
export interface Figure {
  name: string;
  value: number;
  unit?: string;
  goal?: Goal;
  detail?: Record<string, unknown>;
}

export interface BenchContext {
  /** Reports what the bench is doing now; the harness prefixes the bench name and elapsed time. */
  progress(message: string): void;
}

/** What every `bench/*.bench.ts` exports as its default. */
export type Bench = (ctx: BenchContext) => Promise<Figure[]>;

/** Whether the figure meets its goal; `undefined` when it has none. */
export function goalMet(figure: Figure): boolean | undefined {
  if (!figure.goal) return undefined;
  return figure.goal.op === '>=' ? figure.value >= figure.goal.value : figure.value <= figure.goal.value;
}
