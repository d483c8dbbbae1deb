/**
 * Amazon S3 names the header it refused in an InvalidArgument answer (`<ArgumentName>x-amz-acl</ArgumentName>`):
 * the hint then names the one setting behind that header instead of every setting a request carries. The value
 * S3 echoes beside it (`ArgumentValue`) is never shown: it may be a key.
 */
const SETTING_OF_HEADER: ReadonlyArray<[RegExp, string]> = [
  [/^x-amz-storage-class$/, 'storage_class / --storage-class (per folder type when it is a map)'],
  [/^x-amz-(acl|grant-.*)$/, 'acl / --acl'],
  [/^x-amz-server-side-encryption-customer-/, 'sse_customer_key_file / sse_customer_key_in_keyring'],
  [/^x-amz-server-side-encryption-(aws-kms-key-id|context)$/, 'sse_kms_key_id / --sse-kms-key-id'],
  [/^x-amz-server-side-encryption(-bucket-key-enabled)?$/, 'sse / --sse'],
  [/^x-amz-tagging$/, 'tags / --tag'],
  [/^x-amz-meta-/, 'metadata / --metadata'],
  [/^x-amz-expected-bucket-owner$/, 'expected_bucket_owner / --expected-bucket-owner'],
  [/^x-amz-(checksum-.*|sdk-checksum-algorithm)$/, 'checksum_algorithm / --checksum-algorithm'],
];

/**
 * The hint for an answer that names the header it refused, or undefined when it names none we set.
 * @param error an SDK service exception or our lean request's error, either of which carries `ArgumentName`
 */
export function refusedArgumentHint(error: unknown): string | undefined {
  const name = (error as { ArgumentName?: unknown } | undefined)?.ArgumentName;
  if (typeof name !== 'string') return undefined;
  const header = name.trim().toLowerCase();
  const setting = SETTING_OF_HEADER.find(([pattern]) => pattern.test(header))?.[1];
  return setting && `the server refused the ${header} header; check ${setting}`;
}
