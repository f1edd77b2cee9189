export { ERROR_CODES, categoryOf, type ErrorCategory, type ErrorCode } from './codes.js';
export { OrchError, isOrchError, formatLocation, type OrchErrorOptions, type SourceLocation } from './orch-error.js';
