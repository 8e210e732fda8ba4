import { Type, type TNumberOptions, type TObjectOptions, type TSchema, type TStringOptions } from 'typebox';

// Schema blocks for request fields that end up in PostgreSQL columns: a value the column cannot hold is a
// 400 at the edge instead of a database error (SQLSTATE class 22) and a 500.

/** The bounds of a PostgreSQL `integer` (int4) column. */
export const INT4_MIN = -2_147_483_648;
export const INT4_MAX = 2_147_483_647;

/** An integer an `integer` column holds: the caller's bounds, narrowed to int4's. */
export function Int4(options: TNumberOptions = {}) {
  return Type.Integer({
    ...options,
    minimum: Math.max(Number(options.minimum ?? INT4_MIN), INT4_MIN),
    maximum: Math.min(Number(options.maximum ?? INT4_MAX), INT4_MAX),
  });
}

// NUL, which neither `text` nor `jsonb` stores. Lone UTF-16 surrogates are refused by the JSON body parser
// (service/json-body-parser.ts), not here: no portable pattern can name them (Go's and Rust's regex engines
// refuse surrogate code points, so clients and fuzzers reading the document could not compile it).
const STORABLE_CHARS = '[^\\u0000]*';

/** The `pattern` of a string that `text` and `jsonb` columns can store. */
export const STORABLE_TEXT_PATTERN = `^${STORABLE_CHARS}$`;

// No lookahead, which RE2-style engines (Go, Rust) lack: some character that is neither space nor NUL.
const STORABLE_NON_BLANK_PATTERN = `^${STORABLE_CHARS}[^\\s\\u0000]${STORABLE_CHARS}$`;

/**
 * A UUID in the one spelling PostgreSQL writes (lower-case 8-4-4-4-12), so an id used as a cache key has a
 * single form. Ajv's `uuid` format alone also takes upper case and a `urn:uuid:` prefix, which PostgreSQL refuses.
 */
export function Uuid(options: Omit<TStringOptions, 'pattern' | 'format'> = {}) {
  return Type.String({
    ...options,
    format: 'uuid',
    pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  });
}

/**
 * A string that `text` and `jsonb` columns can store (no NUL). `nonBlank` also asks for
 * one character that is not white space. The caller's own `pattern` is not allowed: it would replace this one.
 */
export function StoredText(options: Omit<TStringOptions, 'pattern'> & { nonBlank?: boolean } = {}) {
  const { nonBlank, ...rest } = options;
  return Type.String({ ...rest, pattern: nonBlank ? STORABLE_NON_BLANK_PATTERN : STORABLE_TEXT_PATTERN });
}

/**
 * A `Type.Record` whose every key must match `key`'s pattern. TypeBox renders a record as
 * `patternProperties` alone, which lets a key that fails the pattern through with a value of any type.
 */
export function StrictRecord<Key extends TSchema, Value extends TSchema>(
  key: Key,
  value: Value,
  options: TObjectOptions = {},
) {
  return Type.Record(key, value, { ...options, additionalProperties: false });
}
