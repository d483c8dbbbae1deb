import { describe, expect, it } from 'vitest';
import { describeRecord, refusedCleanupError } from '../../../src/commands/cleanup-report.js';
import { ConfigError } from '../../../src/errors.js';
import { exitCodeFor } from '../../../src/exit-codes.js';

/** An SDK error as the client throws it for an S3 error answer. */
function answer(status: number, code: string): Error {
  return Object.assign(new Error(`server says ${code}`), {
    name: code,
    $metadata: { httpStatusCode: status },
  });
}

const SCOPE = { endpoint: 'http://127.0.0.1:4601', bucket: 'survey', prefix: 'RMI25324/' };
const NOT_IMPLEMENTED = answer(501, 'NotImplemented');
const NOT_ALLOWED = answer(405, 'MethodNotAllowed');
const ON_SERVER = 'can only be removed on the server (its own tools, or a lifecycle rule where it has them)';

describe('refusedCleanupError', () => {
  it("says the server cannot list, what was aborted of this machine's journals, and that the server keeps the rest", () => {
    const error = refusedCleanupError({ listing: NOT_IMPLEMENTED }, SCOPE, {
      dryRun: false,
      stale: 2,
      aborted: 2,
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect(exitCodeFor(error)).toBe(2);
    expect(error.cause).toBe(NOT_IMPLEMENTED);
    expect(error.message).toBe(
      'cleanup s3://survey/RMI25324/: the server at http://127.0.0.1:4601 cannot list multipart uploads ' +
        "(NotImplemented, HTTP 501); aborted 2 stale uploads this machine's journals name; others, started on " +
        `another machine or with another state folder, ${ON_SERVER}`,
    );
  });

  it('with --dry-run says what it would abort, and with no stale journal that there is none', () => {
    const listed = refusedCleanupError({ listing: NOT_IMPLEMENTED }, SCOPE, {
      dryRun: true,
      stale: 1,
      aborted: 0,
    });
    expect(listed.message).toContain(
      "; would abort 1 stale upload this machine's journals name (listed above); ",
    );
    const none = refusedCleanupError({ listing: NOT_ALLOWED }, SCOPE, {
      dryRun: false,
      stale: 0,
      aborted: 0,
    });
    expect(none.message).toContain(
      "cannot list multipart uploads (MethodNotAllowed, HTTP 405); this machine's journals name no stale upload there; ",
    );
  });

  it('says the server cannot abort, how many of the stale uploads were aborted, and where the others go', () => {
    const error = refusedCleanupError({ abort: NOT_ALLOWED }, SCOPE, { dryRun: false, stale: 3, aborted: 0 });
    expect(error.cause).toBe(NOT_ALLOWED);
    expect(error.message).toBe(
      'cleanup s3://survey/RMI25324/: the server at http://127.0.0.1:4601 cannot abort multipart uploads ' +
        `(MethodNotAllowed, HTTP 405); aborted 0 of 3 stale uploads; the others ${ON_SERVER}`,
    );
  });

  it('names both refusals where the server can neither list nor abort', () => {
    const error = refusedCleanupError({ listing: NOT_IMPLEMENTED, abort: NOT_ALLOWED }, SCOPE, {
      dryRun: false,
      stale: 1,
      aborted: 0,
    });
    expect(error.message).toContain(
      'cannot list multipart uploads (NotImplemented, HTTP 501) nor abort them (MethodNotAllowed, HTTP 405); ' +
        "aborted 0 of 1 stale upload this machine's journals name; the others can only",
    );
  });

  it('names Amazon S3 where no endpoint is set', () => {
    const error = refusedCleanupError(
      { abort: NOT_ALLOWED },
      { ...SCOPE, endpoint: undefined },
      {
        dryRun: false,
        stale: 1,
        aborted: 0,
      },
    );
    expect(error.message).toContain(': Amazon S3 cannot abort multipart uploads');
  });
});

describe('describeRecord', () => {
  const summary = {
    type: 'cleanup' as const,
    bucket: 'survey',
    prefix: 'RMI25324/',
    open: 3,
    stale: 2,
    aborted: 2,
  };

  it("says the uploads counted are those this machine's journals name when the server could not list them", () => {
    expect(describeRecord({ ...summary, source: 'journals' }, false, '24h')).toBe(
      "3 open uploads this machine's journals name under s3://survey/RMI25324/; 2 aborted; 1 started within 24h, kept (--older-than 0 takes all)",
    );
    expect(describeRecord({ ...summary, source: 'server' }, true, '24h')).toMatch(
      /^3 open uploads under s3:\/\/survey\/RMI25324\/; 2 stale; /,
    );
  });
});
