/**
 * What the CI examples and docs tell a user to set up, checked against what a run does: a role set up from them
 * must not have its uploads refused, and the workflow must run the suites the README says CI runs.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The permissions an upload with the default settings needs on Amazon S3 (docs/CI.md, "The role's permissions"). */
const DEFAULT_RUN_PERMISSIONS = [
  's3:ListBucket',
  's3:ListBucketMultipartUploads',
  's3:GetObject',
  's3:PutObject',
  // every object is tagged project=<key> by default on Amazon S3
  's3:PutObjectTagging',
  's3:GetObjectTagging',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];

async function read(relative: string): Promise<string> {
  return readFile(path.join(ROOT, relative), 'utf8');
}

describe('the permissions the CI examples and docs list', () => {
  it.each(['examples/github-actions-upload.yml', 'examples/gitlab-ci-upload.yml', 'docs/CI.md'])(
    '%s names every permission a default run needs',
    async (file) => {
      const text = await read(file);
      const missing = DEFAULT_RUN_PERMISSIONS.filter(
        (permission) => !new RegExp(`${permission}\\b`).test(text),
      );
      expect(missing).toEqual([]);
    },
  );
});

describe('the GitHub workflow', () => {
  it('runs the Swift suite, as the README says CI does', async () => {
    expect(await read('README.md')).toContain('`npm run test:swift`');
    expect(await read('.github/workflows/ci.yml')).toMatch(/^\s+run: npm run test:swift$/m);
  });
});
