import type { Static, TObject } from 'typebox';
import { Value } from 'typebox/value';

/** Thrown when the environment does not satisfy a service's config schema; lists every bad variable. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'Set or fix these environment variables (see .env.example) and start again.',
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Validates the environment against a TypeBox schema once, at start-up: applies defaults, converts
 * strings to numbers/booleans, and throws a ConfigError naming each missing or malformed variable.
 */
export function loadConfig<S extends TObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<Static<S>> {
  const known = Object.keys(schema.properties);
  const relevant = Object.fromEntries(
    known.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]),
  );
  const value = Value.Convert(schema, Value.Default(schema, relevant));
  if (Value.Check(schema, value)) return Object.freeze(value as Static<S>);

  const problems = [...Value.Errors(schema, value)].map((error) => {
    if (error.keyword === 'required') {
      const missing = (error.params as { requiredProperties?: string[] }).requiredProperties ?? [];
      return `${missing.join(', ')}: required but not set`;
    }
    const name = error.instancePath.replace(/^\//, '');
    return `${name}=${JSON.stringify(relevant[name])}: ${error.message}`;
  });
  throw new ConfigError(problems);
}
