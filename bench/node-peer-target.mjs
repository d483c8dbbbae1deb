/**
 * What the Node peers of the benchmark (bench/lib-storage-baseline.mjs, bench/s3-sync-client-sync.mjs) share:
 * their command line, `ENDPOINT BUCKET FOLDER`, and an S3 client set up the way Ceph RGW needs.
 */
import { S3Client } from '@aws-sdk/client-s3';

/**
 * The endpoint, bucket and folder from the command line, and a client for them; exits 2 with the usage line of
 * `script` when an argument is missing.
 */
export function nodePeerTarget(script) {
  const [endpoint, bucket, folder] = process.argv.slice(2);
  if (!endpoint || !bucket || !folder) {
    console.error(`usage: node bench/${script} ENDPOINT BUCKET FOLDER`);
    process.exit(2);
  }
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    // Ceph RGW (Pacific) refuses the SDK's default aws-chunked bodies with flexible checksums
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { bucket, folder, client };
}
