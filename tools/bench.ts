import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { goalMet, type Bench, type Figure } from '../bench/lib/figure.ts';

// npm run bench [name ...]: runs bench/<name>.bench.ts one after another (all of them by default),
// prints their figures against their goals and writes bench/results/latest.json. A missed goal does
// not fail the run (numbers are noisy); a bench that throws, hangs or returns garbage does.

// BENCH_DIR points the harness at another folder of benches (the harness's own tests use it).
const BENCH_DIR = process.env['BENCH_DIR']
  ? pathToFileURL(`${resolve(process.env['BENCH_DIR'])}/`)
  : new URL('../bench/', import.meta.url);
const RESULTS_FILE = new URL('results/latest.json', BENCH_DIR);
const BENCH_SUFFIX = '.bench.ts';
const BENCH_TIMEOUT_MS = 5 * 60_000;

interface RecordedFigure extends Figure {
  bench: string;
  /** Absent when the figure has no goal. */
  met?: boolean;
}

interface BenchOutcome {
  name: string;
  seconds: number;
  error?: string;
}

const startedAt = new Date();

function elapsed(): string {
  const seconds = Math.floor((Date.now() - startedAt.getTime()) / 1000);
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

function log(message: string): void {
  process.stderr.write(`[${elapsed()}] ${message}\n`);
}

async function availableBenches(): Promise<string[]> {
  const files = await readdir(BENCH_DIR);
  return files
    .filter((file) => file.endsWith(BENCH_SUFFIX))
    .map((file) => file.slice(0, -BENCH_SUFFIX.length))
    .sort();
}

function select(available: string[], requested: string[]): string[] {
  if (requested.length === 0) return available;
  const names = requested.map((name) => name.replace(/\.bench\.ts$/, '').replace(/^.*\//, ''));
  const unknown = names.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `No bench named ${unknown.join(', ')}: choose from ${available.join(', ') || '(none in bench/)'}.`,
    );
  }
  return names;
}

function checkFigures(name: string, figures: unknown): Figure[] {
  const problem = (what: string) =>
    new Error(
      `bench/${name}${BENCH_SUFFIX} returned ${what}: it must resolve to an array of { name, value, unit?, goal?, detail? }.`,
    );
  if (!Array.isArray(figures)) throw problem(typeof figures);
  for (const figure of figures as Partial<Figure>[]) {
    if (typeof figure?.name !== 'string' || figure.name === '') throw problem('a figure without a name');
    if (typeof figure.value !== 'number' || !Number.isFinite(figure.value)) {
      throw problem(`figure '${figure.name}' with value ${String(figure.value)}`);
    }
    if (figure.goal && !(['>=', '<='].includes(figure.goal.op) && Number.isFinite(figure.goal.value))) {
      throw problem(`figure '${figure.name}' with a malformed goal`);
    }
  }
  return figures as Figure[];
}

async function runBench(name: string): Promise<Figure[]> {
  const module = (await import(new URL(`${name}${BENCH_SUFFIX}`, BENCH_DIR).href)) as { default?: unknown };
  if (typeof module.default !== 'function') {
    throw new Error(
      `bench/${name}${BENCH_SUFFIX} has no default export: export default async function (ctx) returning Figure[].`,
    );
  }
  const bench = module.default as Bench;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `bench/${name}${BENCH_SUFFIX} did not finish within ${BENCH_TIMEOUT_MS / 1000} s: find where it hangs.`,
          ),
        ),
      BENCH_TIMEOUT_MS,
    );
  });
  try {
    const figures = await Promise.race([
      bench({ progress: (message) => log(`[${name}] ${message}`) }),
      timeout,
    ]);
    return checkFigures(name, figures);
  } finally {
    clearTimeout(timer);
  }
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
}

function table(figures: RecordedFigure[]): string {
  const rows = figures.map((f) => [
    f.bench,
    f.name,
    `${formatValue(f.value)}${f.unit ? ` ${f.unit}` : ''}`,
    f.goal ? `${f.goal.op} ${formatValue(f.goal.value)}` : '',
    f.met === undefined ? '' : f.met ? 'met' : 'MISSED',
  ]);
  const header = ['bench', 'figure', 'value', 'goal', 'status'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

// Numbers from `detail` (e.g. the two medians behind a ratio), so the table's ratios can be read in context.
function detailLines(figures: RecordedFigure[]): string[] {
  return figures.flatMap((figure) => {
    const numbers = Object.entries(figure.detail ?? {}).filter(([, value]) => typeof value === 'number');
    if (numbers.length === 0) return [];
    return [
      `  ${figure.name}: ${numbers.map(([key, value]) => `${key}=${formatValue(value as number)}`).join(', ')}`,
    ];
  });
}

async function main(): Promise<number> {
  const requested = process.argv.slice(2);
  if (requested.includes('--help') || requested.includes('-h')) {
    process.stdout.write(
      'Usage: npm run bench [-- <name> ...]\nRuns bench/<name>.bench.ts (all by default); see bench/README.md.\n',
    );
    return 0;
  }
  let names: string[];
  try {
    names = select(await availableBenches(), requested);
  } catch (error) {
    log((error as Error).message);
    return 2;
  }
  if (names.length === 0) {
    log('No bench/*.bench.ts found: add one (see bench/README.md).');
    return 2;
  }

  log(`running ${names.length} bench(es): ${names.join(', ')}`);
  const figures: RecordedFigure[] = [];
  const outcomes: BenchOutcome[] = [];
  for (const [index, name] of names.entries()) {
    const benchStart = performance.now();
    log(`[${name}] starting (${index + 1}/${names.length})`);
    try {
      for (const figure of await runBench(name))
        figures.push({ bench: name, ...figure, met: goalMet(figure) });
      outcomes.push({ name, seconds: Math.round((performance.now() - benchStart) / 1000) });
      log(`[${name}] done in ${outcomes.at(-1)!.seconds} s`);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      outcomes.push({ name, seconds: Math.round((performance.now() - benchStart) / 1000), error: message });
      log(`[${name}] CRASHED: ${message}`);
    }
  }

  const results = {
    startedAt: startedAt.toISOString(),
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    benches: outcomes,
    figures,
  };
  await mkdir(new URL('.', RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);

  process.stdout.write(`\n${table(figures)}\n`);
  const details = detailLines(figures);
  if (details.length > 0) process.stdout.write(`\n${details.join('\n')}\n`);
  process.stdout.write(`\nWrote ${fileURLToPath(RESULTS_FILE)}\n`);

  const missed = figures.filter((figure) => figure.met === false);
  if (missed.length > 0)
    log(`${missed.length} goal(s) missed (reported, not failing): ${missed.map((f) => f.name).join(', ')}`);
  const crashed = outcomes.filter((outcome) => outcome.error);
  if (crashed.length > 0) {
    log(
      `${crashed.length} bench(es) crashed: ${crashed.map((c) => c.name).join(', ')}; fix them and run them again by name.`,
    );
    return 1;
  }
  return 0;
}

// Exit explicitly: a crashed or timed-out bench may leave servers or sockets that would keep us alive.
process.exit(await main());
