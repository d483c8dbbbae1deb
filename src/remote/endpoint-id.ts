/**
 * The name of the store a run writes to, for everything recorded about it (upload log rows, resume journals):
 * `aws` for Amazon S3 (bucket names are global there, whatever the region), else the endpoint URL's protocol,
 * host and port in lower case, with its path (a gateway's path prefix names another store) but no trailing
 * slash. Two spellings of one endpoint give one id; two endpoints never share one.
 */
export function endpointId(endpoint: string | undefined): string {
  if (!endpoint) return 'aws';
  try {
    const url = new URL(endpoint);
    const pathPart = url.pathname.replace(/\/+$/, '');
    return `${url.protocol}//${url.host}${pathPart}`.toLowerCase();
  } catch {
    return endpoint.trim().replace(/\/+$/, '').toLowerCase();
  }
}

/** True for Amazon S3 itself: no custom endpoint, or an amazonaws.com one. */
export function isAmazonS3(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return true;
  try {
    return /(^|\.)amazonaws\.com(\.cn)?$/.test(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}
