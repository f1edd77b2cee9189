import { categoryOf, type ErrorCategory, type ErrorCode } from './codes.js';

/** Where in a file a problem is; lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface OrchErrorOptions {
  data?: Record<string, unknown>;
  cause?: unknown;
  /** What the person should do about it, one sentence. */
  hint?: string;
  location?: SourceLocation;
}

/**
 * The one error type orch throws on purpose. Classify by `code`, never by
 * matching `message`.
 */
export class OrchError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;

  constructor(code: ErrorCode, message: string, options: OrchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OrchError';
    this.code = code;
    this.data = options.data ?? {};
    this.hint = options.hint;
    this.location = options.location;
  }

  get category(): ErrorCategory {
    return categoryOf(this.code);
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.location === undefined ? {} : { location: this.location }),
      ...(Object.keys(this.data).length === 0 ? {} : { data: this.data }),
    };
  }
}

export function isOrchError(value: unknown, code?: ErrorCode): value is OrchError {
  return value instanceof OrchError && (code === undefined || value.code === code);
}

/** "file:line:col" for messages. */
export function formatLocation(location: SourceLocation): string {
  let out = location.file;
  if (location.line !== undefined) out += `:${location.line}`;
  if (location.line !== undefined && location.column !== undefined) out += `:${location.column}`;
  return out;
}
