/**
 * What a production deployment must provide for one variable: a hint saying what to set, or a rule
 * with the hint for what the plain "is it set" check cannot express.
 */
export type ProductionRequirement =
  | string
  | {
      /** What to set; shown in the problem. */
      hint: string;
      /** Replaces "the variable is set", e.g. for "one of two variables" or "only while a feature is on". */
      satisfied?: boolean;
      /** Published development values, refused in production even when set explicitly. */
      refused?: readonly string[];
    };

/**
 * The problems of a production configuration, one line per requirement not met (empty outside
 * production). Each key names a variable of `config` (or, with `satisfied`, any text such as
 * `REDIS_URL or REDIS_CLUSTER_NODES`). Services add the result to their own ConfigError:
 *
 * ```ts
 * requiredInProduction(config, {
 *   KAFKA_BROKERS: 'host:port,...',
 *   SERVICE_CLIENT_SECRET: { hint: 'at least 32 characters', refused: [devServiceClientSecret('order')] },
 * })
 * ```
 */
export function requiredInProduction<C extends { readonly NODE_ENV: string }>(
  config: C,
  requirements: Readonly<Record<string, ProductionRequirement>>,
): string[] {
  if (config.NODE_ENV !== 'production') return [];
  const values = config as unknown as Readonly<Record<string, unknown>>;
  const problems: string[] = [];
  for (const [name, requirement] of Object.entries(requirements)) {
    const { hint, satisfied, refused } =
      typeof requirement === 'string'
        ? { hint: requirement, satisfied: undefined, refused: undefined }
        : requirement;
    const value = values[name];
    if (!(satisfied ?? (value !== undefined && value !== ''))) {
      problems.push(`${name}: required in production (${hint})`);
    } else if (refused?.some((published) => published === value)) {
      // The value itself is a secret that anyone can read in the repository, so it is not repeated here.
      problems.push(
        `${name}: the published development value is refused in production; set one of your own (${hint})`,
      );
    }
  }
  return problems;
}
