import { Type, type Static, type TObject, type TSchema } from 'typebox';
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
 * Marks an env variable as a secret (signing keys, passwords, tokens): a ConfigError shows its value as
 * `<redacted>` instead of echoing it. Wrap the inner schema: `Type.Optional(Secret(Type.String()))`. It is
 * the annotation `secret: true`, which a library that does not depend on the platform writes directly.
 */
export function Secret<S extends TSchema>(schema: S): S {
  return Type.With(schema, { secret: true }) as unknown as S;
}

const REDACTED = '<redacted>';
// `scheme://user:password@host`: greedy up to the last `@`, so a password with an unencoded `@` is hidden whole.
const URL_PASSWORD = /^([a-z][a-z\d+.-]*:\/\/[^:@/\s]*):.*@/i;

function shown(schema: TSchema, raw: string): string {
  if ((schema as { secret?: unknown }).secret === true) return REDACTED;
  return JSON.stringify(raw.replace(URL_PASSWORD, `$1:${REDACTED}@`));
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

// Stricter than Value.Convert, which would read "3000.5" as 3000 and "0x10" as 16: a typo must fail loudly.
function convert(schema: TSchema, raw: string): unknown {
  if (Type.IsInteger(schema)) return INTEGER.test(raw) ? Number(raw) : raw;
  if (Type.IsNumber(schema)) return DECIMAL.test(raw) ? Number(raw) : raw;
  if (Type.IsBoolean(schema)) return BOOLEANS[raw.toLowerCase()] ?? raw;
  if (Type.IsString(schema)) return raw;
  return Value.Convert(schema, raw);
}

function describeProblem(schema: TSchema, value: unknown): string {
  if (Type.IsUnion(schema) && schema.anyOf.every((s) => Type.IsLiteral(s))) {
    return `must be one of ${schema.anyOf.map((s) => String(s.const)).join(', ')}`;
  }
  const [first] = Value.Errors(schema, value);
  return first?.message ?? 'is invalid';
}

function defaultOf(schema: TSchema, production: boolean): unknown {
  const productionDefault = (schema as { productionDefault?: unknown }).productionDefault;
  if (production && productionDefault !== undefined) return productionDefault;
  return Value.Default(schema, undefined);
}

/**
 * Validates the environment against a TypeBox schema once, at start-up: applies defaults, converts
 * strings to numbers/booleans, and throws a ConfigError naming each missing or malformed variable.
 * An empty variable counts as unset. A `productionDefault` annotation replaces `default` when
 * NODE_ENV is production; a variable marked with `Secret` never has its value printed, and a URL's
 * password is never printed either.
 */
export function loadConfig<S extends TObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<Static<S>> {
  const properties: Record<string, TSchema> = schema.properties;
  const required = new Set<string>(schema.required ?? []);
  const value: Record<string, unknown> = {};
  const problems: string[] = [];
  const nodeEnvSchema = properties['NODE_ENV'];
  const nodeEnv = env['NODE_ENV'] || (nodeEnvSchema && Value.Default(nodeEnvSchema, undefined));
  const production = nodeEnv === 'production';

  // Checked one variable at a time so every bad one is reported, not only the first few.
  for (const [name, property] of Object.entries(properties)) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      const fallback = defaultOf(property, production);
      if (fallback !== undefined) value[name] = fallback;
      else if (required.has(name)) problems.push(`${name}: required but not set`);
      continue;
    }
    const converted = convert(property, raw);
    if (Value.Check(property, converted)) value[name] = converted;
    else problems.push(`${name}=${shown(property, raw)}: ${describeProblem(property, converted)}`);
  }
  if (problems.length === 0 && !Value.Check(schema, value)) {
    problems.push(
      ...[...Value.Errors(schema, value)].map((e) => `${e.instancePath || '(config)'}: ${e.message}`),
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(value as Static<S>);
}
