// The two pieces of Compose's variable handling the compose tools need, as the Compose Specification
// ("Interpolation", and the .env file format) describes them: reading a .env file and substituting
// ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error} and $$ in compose.yaml's strings.
// Only the subset compose.yaml and .env.example use: a construct outside it is an error here, never
// silently read another way than Compose would read it.

export interface EnvLine {
  /** The variable, or undefined for a comment or blank line. */
  name?: string;
  value?: string;
  /** The line as written. */
  text: string;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/**
 * The lines of a .env file. A value is taken literally in single quotes, or unquoted (then trailing
 * ` # comment` is dropped); double quotes and unquoted `$` (which Compose would interpolate) are refused,
 * so what this reads is what Compose reads.
 */
export function parseEnvFile(text: string, source = '.env'): EnvLine[] {
  return text.split('\n').map((line, index) => {
    const where = `${source}:${index + 1}`;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return { text: line };
    const match = ASSIGNMENT.exec(trimmed);
    if (!match) throw new Error(`${where}: not NAME=value; fix the line or make it a # comment`);
    const [, name, raw] = match as unknown as [string, string, string];
    if (raw.startsWith("'")) {
      const end = raw.indexOf("'", 1);
      if (end === -1 || raw.slice(end + 1).trim() !== '')
        throw new Error(`${where}: ${name}: a single-quoted value must end with a quote`);
      return { name, value: raw.slice(1, end), text: line };
    }
    if (raw.startsWith('"'))
      throw new Error(`${where}: ${name}: use single quotes (taken literally), not double quotes`);
    const value = raw.replace(/\s+#.*$/, '').trim();
    if (value.includes('$'))
      throw new Error(`${where}: ${name}: a $ outside single quotes is substituted by compose; quote it`);
    return { name, value, text: line };
  });
}

/** The variables of a parsed .env file (the last assignment of a name wins, as in Compose). */
export function envOf(lines: readonly EnvLine[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of lines) if (line.name !== undefined) env.set(line.name, line.value ?? '');
  return env;
}

/** A .env value as it must be written: quoted when it holds anything but a plain word. */
export function envValue(value: string): string {
  if (/^[A-Za-z0-9_@.,:/+=-]*$/.test(value)) return value;
  if (value.includes("'")) throw new Error('a .env value cannot hold a single quote here');
  return `'${value}'`;
}

export class InterpolationError extends Error {}

const REFERENCE = /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|[A-Za-z_])/g;

/**
 * `text` with every variable reference substituted from `env`, as Compose interpolates. Also reports
 * each variable named (`used`), so a caller can check that .env.example lists them all. A `$name`
 * without braces is refused (compose.yaml always uses braces).
 */
export function interpolate(text: string, env: ReadonlyMap<string, string>, used?: Set<string>): string {
  return text.replace(REFERENCE, (whole, body: string, name?: string, operator?: string, argument = '') => {
    if (body === '$') return '$';
    if (name === undefined) throw new InterpolationError(`${whole}: write \${NAME} with braces`);
    used?.add(name);
    const value = env.get(name);
    const unsetOrEmpty = value === undefined || value === '';
    switch (operator) {
      case undefined:
        return value ?? '';
      case ':-':
        return unsetOrEmpty ? argument : value;
      case '-':
        return value === undefined ? argument : value;
      case ':?':
        if (unsetOrEmpty)
          throw new InterpolationError(`required variable ${name} is missing a value: ${argument}`);
        return value;
      case '?':
        if (value === undefined)
          throw new InterpolationError(`required variable ${name} is missing a value: ${argument}`);
        return value;
      default:
        throw new InterpolationError(`${whole}: unknown operator ${operator}`);
    }
  });
}

/** Every string value in `value` (a parsed YAML document) interpolated, as Compose does (keys are not). */
export function interpolateDeep(
  value: unknown,
  env: ReadonlyMap<string, string>,
  used?: Set<string>,
): unknown {
  if (typeof value === 'string') return interpolate(value, env, used);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, env, used));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, env, used)]),
    );
  }
  return value;
}
