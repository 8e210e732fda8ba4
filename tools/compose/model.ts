import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { envOf, interpolateDeep, parseEnvFile } from './env-file.ts';

// compose.yaml as Compose reads it: YAML with merge keys (`<<:`), then every value interpolated from .env.
// The parts of the Compose Specification the checks read, typed loosely (the schema check is strict).

export const ROOT = join(import.meta.dirname, '..', '..');

export interface DependsOn {
  condition?: 'service_started' | 'service_healthy' | 'service_completed_successfully';
}

export interface Healthcheck {
  test?: string[] | string;
}

export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: Healthcheck;
  depends_on?: Record<string, DependsOn>;
  profiles?: string[];
  ports?: string[];
  volumes?: string[];
  tmpfs?: string[];
  user?: string;
  read_only?: boolean;
  restart?: string;
  cap_drop?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  deploy?: { resources?: { limits?: { cpus?: string; memory?: string } } };
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string }[] } } | null>;
}

/** The YAML document of a compose file, merge keys applied, nothing interpolated yet. */
export async function readComposeYaml(file = 'compose.yaml'): Promise<unknown> {
  return parse(await readFile(join(ROOT, file), 'utf8'), { merge: true });
}

/** The variables of an env file's text, as compose reads them from .env. */
export function envFromText(text: string, source = '.env'): Map<string, string> {
  return envOf(parseEnvFile(text, source));
}

/** `document` interpolated from `env`; `used` collects every variable it names. */
export function resolve(
  document: unknown,
  env: ReadonlyMap<string, string>,
  used?: Set<string>,
): ComposeFile {
  return interpolateDeep(document, env, used) as ComposeFile;
}

/** The services' environment as the container gets it: every value a string, null (unset) left out. */
export function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {})
      .filter(([, value]) => value !== null)
      .map(([name, value]) => [name, String(value)]),
  );
}

/** The test of a health check as an argument list (CMD form), or undefined. */
export function healthcheckCommand(service: ComposeService): string[] | undefined {
  const test = service.healthcheck?.test;
  if (test === undefined) return undefined;
  if (typeof test === 'string') return ['CMD-SHELL', test];
  return test;
}
