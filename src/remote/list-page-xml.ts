/** One page of a ListObjectsV2 answer: the keys and sizes it lists, and where the listing goes on. */
export interface ListPage {
  objects: { key: string; sizeBytes: number }[];
  isTruncated: boolean;
  nextContinuationToken: string | undefined;
}

const CONTENTS = /<Contents>([\s\S]*?)<\/Contents>/g;
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * The keys, sizes and continuation of a ListObjectsV2 answer's XML, read without an XML library (a rerun that
 * lists its prefixes must not load the SDK's parser). Keys are decoded as `<EncodingType>` says: escaped as a URL
 * (`url`, which S3, Ceph RGW and Swift's s3api honour, `+` for a space as S3 writes it) or XML text only.
 * Undefined for anything else than such an answer: another root, a body cut short, a `<Contents>` without a key or a whole size, a
 * truncation flag that is neither `true` nor `false`, CDATA, an entity or escape that does not decode.
 */
export function parseListPage(xml: string): ListPage | undefined {
  if (!isWholeListing(xml)) return undefined;
  const rest = xml.replace(CONTENTS, '');
  if (rest.includes('<Contents>')) return undefined;
  const urlEncoded = textOf(rest, 'EncodingType') === 'url';
  const objects: ListPage['objects'] = [];
  for (const [, entry = ''] of xml.matchAll(CONTENTS)) {
    const object = objectOf(entry, urlEncoded);
    if (!object) return undefined;
    objects.push(object);
  }
  const truncated = textOf(rest, 'IsTruncated');
  if (truncated !== 'true' && truncated !== 'false') return undefined;
  const token = textOf(rest, 'NextContinuationToken');
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
  const rawKey = textOf(entry, 'Key');
  const size = Number(textOf(entry, 'Size') ?? NaN);
  if (rawKey === undefined || !Number.isSafeInteger(size) || size < 0) return undefined;
  const text = decodeXmlText(rawKey);
  const key = urlEncoded && text !== undefined ? decodeUrlText(text) : text;
  return key === undefined ? undefined : { key, sizeBytes: size };
}

/** The raw text of the first `<name>` element in `xml`, or undefined when there is none. */
function textOf(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1];
}

function decodeXmlText(text: string): string | undefined {
  // an ampersand that begins no entity this reads is not XML text
  if (text.replace(ENTITY, '').includes('&')) return undefined;
  let invalid = false;
  const decoded = text.replace(ENTITY, (_, named?: string, decimal?: string, hex?: string) => {
    if (named) return NAMED[named]!;
    const code = decimal ? Number(decimal) : Number.parseInt(hex!, 16);
    if (code > 0x10ffff) invalid = true;
    return invalid ? '' : String.fromCodePoint(code);
  });
  return invalid ? undefined : decoded;
}

function decodeUrlText(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
