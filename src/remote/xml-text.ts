/**
 * Text out of the small XML documents S3 answers (an error, a listing page), read without an XML library: the
 * SDK's parser is not loaded by a run that needs nothing else of the SDK.
 */

const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The raw text of the first `<name>` element in `xml` that holds text only, or undefined when there is none. */
export function elementText(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

/**
 * XML character data with its entities decoded (the five named ones and numeric references), or undefined when it
 * holds an ampersand that begins no such entity or a reference past U+10FFFF: then it is no XML text.
 */
export function decodeXmlText(text: string): string | undefined {
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
