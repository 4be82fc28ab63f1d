/**
 * The one error shape of the HTTP API: every error answer is
 * `{"error": {"code": "<stable_snake_case>", "message": "<for humans>", ...extra}}`.
 * Route code throws `AppError`; the error handler (http/error-handler.ts) turns everything else
 * (validation, body too large, unknown errors) into the same shape, never with a stack trace.
 */

export interface ErrorBody {
  error: { code: string; message: string; [extra: string]: unknown };
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.extra);
  }
}

export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}): ErrorBody {
  return { error: { ...extra, code, message } };
}

/** JSON schema for the error shape, for route `response` schemas and the OpenAPI document. */
export const errorResponseSchema = {
  $id: 'ErrorResponse',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable machine-readable code, e.g. invalid_request, invalid_field, invalid_id' },
        message: { type: 'string', description: 'What went wrong, for humans' },
        field: { type: 'string', description: 'The request field at fault, when there is one (e.g. case.Subject)' },
        fields: {
          type: 'array',
          description:
            'invalid_field: every field at fault, each with its own code ' +
            '(required, too_long, invalid_email, invalid_id, invalid_picklist...) and message',
          items: { type: 'object', properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } },
        },
      },
      additionalProperties: true,
    },
  },
} as const;
