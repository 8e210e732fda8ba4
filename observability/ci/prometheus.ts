import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import YAML from 'yaml';

export const OBSERVABILITY_DIR = resolve(import.meta.dirname, '..');
export const PROMETHEUS_DIR = join(OBSERVABILITY_DIR, 'prometheus');
// Where docker compose mounts observability/prometheus; the CI variant points these paths at a temp dir.
const MOUNT = '/etc/prometheus/';

interface TargetGroup {
  targets: string[];
  labels?: Record<string, string>;
}

interface ScrapeConfig {
  job_name: string;
  file_sd_configs?: { files: string[] }[];
}

interface PrometheusConfig {
  global?: Record<string, string>;
  rule_files?: string[];
  scrape_configs: ScrapeConfig[];
}

export async function readPrometheusConfig(): Promise<PrometheusConfig> {
  return YAML.parse(await readFile(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as PrometheusConfig;
}

export async function readComposeTargets(): Promise<TargetGroup[]> {
  return JSON.parse(await readFile(join(PROMETHEUS_DIR, 'targets', 'compose.json'), 'utf8')) as TargetGroup[];
}

/**
 * Writes the CI variant of the project's prometheus.yml into `dir`: the same scrape jobs and rules, with
 * the mounted paths pointing into `dir` and the compose hostnames' targets on 127.0.0.1 (where npm start
 * runs the services on the same ports). `interval` shortens scrapes and rule evaluation for a short run.
 */
export async function writeCiPrometheusConfig(
  dir: string,
  opts: { interval?: string } = {},
): Promise<string> {
  const config = await readPrometheusConfig();
  const inDir = (path: string) => (path.startsWith(MOUNT) ? join(dir, path.slice(MOUNT.length)) : path);
  config.rule_files = (config.rule_files ?? []).map(inDir);
  for (const job of config.scrape_configs) {
    for (const sd of job.file_sd_configs ?? []) sd.files = sd.files.map(inDir);
  }
  if (opts.interval !== undefined) {
    config.global = {
      ...config.global,
      scrape_interval: opts.interval,
      scrape_timeout: opts.interval,
      evaluation_interval: opts.interval,
    };
  }
  await cp(join(PROMETHEUS_DIR, 'rules'), join(dir, 'rules'), { recursive: true });
  await mkdir(join(dir, 'targets'), { recursive: true });
  const loopback = (await readComposeTargets()).map((group) => ({
    ...group,
    targets: group.targets.map((target) => target.replace(/^[^:]+:/, '127.0.0.1:')),
  }));
  await writeFile(join(dir, 'targets', 'compose.json'), `${JSON.stringify(loopback, null, 2)}\n`);
  const path = join(dir, 'prometheus.yml');
  await writeFile(path, YAML.stringify(config));
  return path;
}

export interface CommandResult {
  code: number;
  output: string;
}

/** Runs a command to its end (killed after `timeoutMs`), with its stdout and stderr together. */
export async function runCommand(
  command: string,
  args: string[],
  opts: { timeoutMs: number; cwd?: string },
): Promise<CommandResult> {
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: opts.cwd ?? OBSERVABILITY_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    return { code: 127, output: String(error) };
  }
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
  const [code, signal] = (await Promise.race([
    once(child, 'exit'),
    once(child, 'error').then(([error]) => [127, String(error)]),
  ])) as [number | null, string | null];
  clearTimeout(timer);
  if (signal === 'SIGKILL') output += `\n(killed after ${opts.timeoutMs / 1000} s)`;
  return { code: code ?? 1, output };
}

/** Runs promtool; a missing binary is reported with how to install it. */
export async function promtool(args: string[], timeoutMs = 120_000): Promise<CommandResult> {
  const result = await runCommand('promtool', args, { timeoutMs });
  if (result.code === 127) {
    return {
      code: 127,
      output: `promtool is not installed: apt-get install prometheus (or run observability/check.sh). ${result.output}`,
    };
  }
  return result;
}
