const secrets = new Set<string>();

/** Marks a value as secret: from now on {@link redact} replaces it wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) secrets.add(value);
}

const SECRET_PATTERNS: RegExp[] = [
  // SigV4 signatures and credentials in Authorization headers and presigned URLs
  /(Signature=|X-Amz-Signature=)[0-9a-f]{64}/gi,
  /(aws_secret_access_key\s*[:=]\s*)\S+/gi,
  /("?secretAccessKey"?\s*[:=]\s*"?)[^",\s}]+/gi,
  /(x-amz-security-token[:=]\s*)\S+/gi,
  // a proxy URL's password (http://user:password@proxy:3128)
  /(\/\/[^\s/:@]+:)[^\s/@]+(?=@)/g,
];

/** Replaces every registered secret and anything shaped like a signature or secret key in `text`. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '$1[redacted]');
  return out;
}
