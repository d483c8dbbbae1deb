import { decodeXmlText, elementText } from './xml-text.js';

/** One page of a ListObjectsV2 answer: the keys and sizes it lists, and where the listing goes on. */
export interface ListPage {
  objects: { key: string; sizeBytes: number; etag?: string }[];
  isTruncated: boolean;
  nextContinuationToken: string | undefined;
}

const CONTENTS = /<Contents>([\s\S]*?)<\/Contents>/g;

/**
 * The keys, sizes, ETags (without quotes) and continuation of a ListObjectsV2 answer's XML, read without an XML library (a rerun that
 * lists its prefixes must not load the SDK's parser). Keys are decoded as `<EncodingType>` says: escaped as a URL
 * (`url`, which S3, Ceph RGW and Swift's s3api honour, `+` for a space as S3 writes it) or XML text only.
 * Undefined for anything else than such an answer: another root, a body cut short, a `<Contents>` without a key or a whole size, a
 * truncation flag that is neither `true` nor `false`, CDATA, an entity or escape that does not decode.
 */
export function parseListPage(xml: string): ListPage | undefined {
  if (!isWholeListing(xml)) return undefined;
  const rest = xml.replace(CONTENTS, '');
  if (rest.includes('<Contents>')) return undefined;
  const urlEncoded = elementText(rest, 'EncodingType') === 'url';
  const objects: ListPage['objects'] = [];
  for (const [, entry = ''] of xml.matchAll(CONTENTS)) {
    const object = objectOf(entry, urlEncoded);
    if (!object) return undefined;
    objects.push(object);
  }
  const truncated = elementText(rest, 'IsTruncated');
  if (truncated !== 'true' && truncated !== 'false') return undefined;
  const token = elementText(rest, 'NextContinuationToken');
  const nextContinuationToken = token === undefined ? undefined : decodeXmlText(token);
  if (token !== undefined && nextContinuationToken === undefined) return undefined;
  return { objects, isTruncated: truncated === 'true', nextContinuationToken };
}

function isWholeListing(xml: string): boolean {
  const body = xml.trim();
  return (
    /<ListBucketResult[\s>]/.test(body) && body.endsWith('</ListBucketResult>') && !body.includes('<![CDATA[')
  );
}

function objectOf(entry: string, urlEncoded: boolean): ListPage['objects'][number] | undefined {
  const rawKey = elementText(entry, 'Key');
  const size = Number(elementText(entry, 'Size') ?? NaN);
  if (rawKey === undefined || !Number.isSafeInteger(size) || size < 0) return undefined;
  const text = decodeXmlText(rawKey);
  const key = urlEncoded && text !== undefined ? decodeUrlKey(text) : text;
  if (key === undefined) return undefined;
  const rawEtag = elementText(entry, 'ETag');
  const etag = rawEtag === undefined ? undefined : decodeXmlText(rawEtag)?.replace(/^"|"$/g, '');
  return etag ? { key, sizeBytes: size, etag } : { key, sizeBytes: size };
}

/**
 * A key of a listing asked for with `encoding-type=url`, decoded: escaped as a URL, with `+` for a space as S3
 * writes it. Asking for it is what lets a key with a control character be listed at all (XML 1.0 cannot carry
 * one: Swift's s3api answers such a listing with 500). Undefined for an escape that does not decode.
 */
export function decodeUrlKey(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
