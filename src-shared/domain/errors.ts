import { z } from 'zod';

/** Every error that crosses the contract carries one of these codes. "Not permitted" is never "unreachable". */
export const ERROR_CODES = [
  'E_INVALID_INPUT', // the caller sent something the schema or a rule refuses
  'E_UNREACHABLE', // network: refused, DNS, timeout at connect, reset
  'E_AUTH', // authentication failed (MongoDB code 18, SSH auth)
  'E_NOT_AUTHORIZED', // authenticated but lacks a privilege (MongoDB code 13)
  'E_TIMEOUT', // an operation ran past its deadline
  'E_CANCELLED', // the caller aborted
  'E_NOT_FOUND',
  'E_CONFLICT',
  'E_UNSUPPORTED', // the server or platform cannot do this (old version, FerretDB, no keychain)
  'E_PARSE', // untrusted input could not be parsed (file, server reply)
  'E_STORE', // the local database failed (disk full, corrupt)
  'E_AUDIT', // the audit log cannot be written: audited actions are refused
  'E_NATIVE', // a native module failed to load (ABI mismatch)
  'E_INTERNAL', // a bug: output failed its schema, an unexpected exception
] as const;
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorEnvelope = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/** The one error type Baleen code throws on purpose. Anything else becomes E_INTERNAL at the boundary. */
export class BaleenError extends Error {
  override readonly name = 'BaleenError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toEnvelope(): ErrorEnvelope {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromEnvelope(e: ErrorEnvelope): BaleenError {
    return new BaleenError(e.code, e.message, e.details);
  }
}

export const isBaleenError = (e: unknown): e is BaleenError => e instanceof BaleenError;

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
