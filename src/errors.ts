import { interruptedBySignal } from './resume-advice.js';
import { escapeControls } from './status/control-escapes.js';

/**
 * The one error hierarchy of upload-to-s3. Every failure that reaches the user is an
 * {@link UploadError}; `cli.ts` maps the `kind` to an exit code and prints `message` on one line.
 *
 * Messages read `<operation> <what>: <what went wrong>; <what to do>`.
 */
export type ErrorKind = 'usage' | 'config' | 'source' | 'remote' | 'auth' | 'interrupted' | 'locked';

export class UploadError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
}

/** A flag, environment variable or config key has a value the tool cannot use. */
export class ConfigError extends UploadError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', message, options);
  }
}

/**
 * The server stored an object without a setting the run asked for (encryption, storage class, ACL): the run
 * stops as for any config error, and the upload log keeps the object's ETag on the file's failed row, so that the
 * next run does not take that object for the file and skip it.
 */
export class SettingNotAppliedError extends ConfigError {
  constructor(
    message: string,
    readonly storedEtag: string,
  ) {
    super(message);
  }
}

/** A local file or folder cannot be read, or changed while it was read. */
export class SourceError extends UploadError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('source', message, options);
  }
}

/** The S3 endpoint refused or failed a request. `retryable` comes from {@link classifyS3Error}. */
export class RemoteError extends UploadError {
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean, options?: { cause?: unknown }) {
    super('remote', message, options);
    this.retryable = retryable;
  }
}

/**
 * The server holds other bytes under the key than the file's, as its ETag or checksum shows right after the upload:
 * the failed row of the upload log keeps `storedEtag`, so that the next run sends the file again instead of taking
 * the object's recorded size and mtime for proof.
 */
export class StoredMismatchError extends RemoteError {
  constructor(
    message: string,
    readonly storedEtag: string,
    retryable: boolean,
  ) {
    super(message, retryable);
  }
}

/** The endpoint has answered no request for minutes: the run stops, and the next run resumes what is not sent. */
export class LinkDownError extends RemoteError {
  constructor(message: string) {
    super(message, false);
  }
}

/** Credentials are missing, invalid or not allowed to do what the run needs. */
export class AuthError extends UploadError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('auth', message, options);
  }
}

/** The run was stopped by the user (Ctrl+C, SIGTERM). */
export class InterruptedError extends UploadError {
  constructor(message = interruptedBySignal()) {
    super('interrupted', message);
  }
}

/** Another run holds the lock on the same project and bucket. */
export class LockedError extends UploadError {
  constructor(message: string) {
    super('locked', message);
  }
}

/** The one-line message of an error that ends a run: ours as written, anything else marked unexpected. */
export function describeError(error: unknown): string {
  if (error instanceof UploadError) return error.message;
  return `unexpected error: ${String((error as Error | undefined)?.message ?? error)}`;
}

/**
 * A user-supplied value for a one-line message: in single quotes, control characters (a newline from a
 * quoted YAML string, say) escaped as code points (`\u000a`, see escapeControls), long values cut in the middle, so that a long path keeps its file name
 * (`'D:\Surveys\2026…\reels\R001\R001.mp4'`). Never throws, whatever the value.
 */
export function quoteValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  const escaped = escapeControls(text, 'code-point');
  // '...', not '…': a message piped into Windows PowerShell is read in the console's code page
  return `'${escaped.length > 80 ? `${escaped.slice(0, 38)}...${escaped.slice(-39)}` : escaped}'`;
}

/** Turns a Node fs error into a short reason like 'permission denied (EACCES)'. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: 'no longer exists',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EBUSY: 'locked by another program',
    ELOOP: 'symbolic link loop',
    ENAMETOOLONG: 'path too long',
    EMFILE: 'too many open files',
  };
  return code ? `${reasons[code] ?? 'cannot read'} (${code})` : String((error as Error).message ?? error);
}
