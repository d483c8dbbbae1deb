/**
 * A strict reader for the small XML subset a task definition uses (declaration, elements, attributes
 * in double quotes, text, the five named entities and numeric references). It throws on anything a
 * conforming parser would refuse in that subset: a bare `&` or `<`, an unknown entity, mismatched or
 * unclosed tags, content after the root.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = '[A-Za-z_][\\w.-]*';
const ATTRIBUTE_VALUE = '"(?:[^"<&]|&(?:amp|lt|gt|quot|apos|#\\d+|#x[0-9a-fA-F]+);)*"';
const TOKEN = new RegExp(
  `<(\\/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*${ATTRIBUTE_VALUE})*)\\s*(\\/?)>|([^<]+)`,
  'y',
);
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Parses `xml` into its root element. */
export function readXml(xml: string): XmlElement {
  let position = skipDeclaration(xml);
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  while (position < xml.length) {
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(xml);
    if (!match)
      throw new Error(`not well-formed at offset ${position}: ${xml.slice(position, position + 30)}`);
    position = TOKEN.lastIndex;
    const [, closing, name, attributes, selfClosing, text] = match;
    const current = stack[stack.length - 1]!;
    if (text !== undefined) {
      if (stack.length === 1 && text.trim()) throw new Error(`text outside the root element: ${text}`);
      current.text += decode(text);
    } else if (closing) {
      if (current.name !== name) throw new Error(`</${name}> closes <${current.name}>`);
      stack.pop();
    } else {
      if (stack.length === 1 && root.children.length > 0) throw new Error('a second root element');
      const element: XmlElement = {
        name: name!,
        attributes: readAttributes(attributes ?? ''),
        children: [],
        text: '',
      };
      current.children.push(element);
      if (!selfClosing) stack.push(element);
    }
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.name}> is not closed`);
  if (root.children.length !== 1) throw new Error('no root element');
  return root.children[0]!;
}

/** The first descendant element named `name`, by a depth-first walk. */
export function findElement(element: XmlElement, name: string): XmlElement | undefined {
  for (const child of element.children) {
    if (child.name === name) return child;
    const found = findElement(child, name);
    if (found) return found;
  }
  return undefined;
}

function skipDeclaration(xml: string): number {
  const match = /^<\?xml\s+version="1\.0"(?:\s+encoding="[\w-]+")?\s*\?>/.exec(xml);
  return match ? match[0].length : 0;
}

function readAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of text.matchAll(new RegExp(`(${NAME})\\s*=\\s*"([^"]*)"`, 'g')))
    attributes[match[1]!] = decode(match[2]!);
  return attributes;
}

function decode(text: string): string {
  if (text.includes(']]>')) throw new Error("']]>' in text");
  return text.replace(/&([^;\s]*);|&/g, (whole, entity: string | undefined) => {
    if (entity === undefined) throw new Error(`a bare & in: ${text}`);
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    const value = ENTITIES[entity];
    if (value === undefined) throw new Error(`unknown entity ${whole}`);
    return value;
  });
}
