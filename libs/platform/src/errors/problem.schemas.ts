import { Type, type Static } from 'typebox';

/** The media type of every error response (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** RFC 9457 problem details, as every service renders errors. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    code: Type.String({
      description: 'Stable machine-readable error code, e.g. AUTH_ERR_INVALID_CREDENTIALS',
    }),
    requestId: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
        description: 'The failing fields of a validation error',
      }),
    ),
  },
  { $id: 'Problem', additionalProperties: true },
);
export type Problem = Static<typeof ProblemSchema>;

/** A route `response` entry that is a problem document, under its own media type. */
export interface ProblemResponse {
  description: string;
  content: { [PROBLEM_MEDIA_TYPE]: { schema: typeof ProblemSchema } };
}

/**
 * Route `response` entries for the error statuses a route may answer with. They name the media type
 * (`content`), so the OpenAPI document says `application/problem+json` rather than `application/json`, and
 * Fastify serializes the error handler's replies (sent as that type) with the problem schema.
 */
export function problemResponses(...statuses: number[]): Record<number, ProblemResponse> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: `Problem details (RFC 9457), status ${status}`,
        content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } },
      },
    ]),
  );
}
