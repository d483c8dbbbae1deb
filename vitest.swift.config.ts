import { defineConfig } from 'vitest/config';

/**
 * `npm run test:swift`: the transfer-engine integration tests against OpenStack Swift's s3api, the second
 * real S3 implementation, to prove the uploader is not tied to Ceph RGW. The subset is what depends on the
 * server's S3 semantics: the seed's usage examples, multipart (ListMultipartUploads, Abort), reruns (ETags,
 * metadata, listings) and the fault scenarios, whose reruns resume interrupted uploads through ListParts.
 *
 * Left to the Ceph run, to keep CI short: resume.test.ts and interrupt.test.ts (2 GiB SIGKILL/Ctrl+C resumes;
 * interrupt's 'second Ctrl+C' case once saw Swift record a part the proxy had not yet counted),
 * crash-loop.test.ts, and the tests of the CLI's own surface (bad input, status, terminal, secrets, keyring,
 * lock), which do not change with the server. integrity.test.ts also needs bucket policies, which Swift's
 * s3api does not have.
 */
export default defineConfig({
  test: {
    include: [
      'test/integration/seed-examples.test.ts',
      'test/integration/multipart.test.ts',
      'test/integration/rerun.test.ts',
      'test/integration/faults.test.ts',
      'test/integration/clock-skew.test.ts',
      'test/integration/bucket-region.test.ts',
    ],
    // Swift first: it sets S3_TEST_ENDPOINT and friends, which the regular setup then uses instead of Ceph
    globalSetup: ['test/support/swift-setup.ts', 'test/support/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
