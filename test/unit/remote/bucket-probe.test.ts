import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeBucket } from '../../../src/remote/bucket-probe.js';

type Handler = (query: URLSearchParams) => { status: number; body?: string };

const servers: http.Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** A server on 127.0.0.1 that answers HeadBucket 200 and each listing as `list` says; it records the listings. */
async function startServer(list: Handler): Promise<{ endpoint: string; asked: URLSearchParams[] }> {
  const asked: URLSearchParams[] = [];
  const server = http.createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    if (req.method === 'HEAD') return res.writeHead(200).end();
    asked.push(query);
    const { status, body = '' } = list(query);
    res.writeHead(status, { 'content-type': 'application/xml' }).end(body);
  });
  servers.push(server);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

function page(keys: string[], next?: string): string {
  const contents = keys.map((key) => `<Contents><Key>${key}</Key><Size>${key.length}</Size></Contents>`);
  const more = next
    ? `<IsTruncated>true</IsTruncated><NextContinuationToken>${next}</NextContinuationToken>`
    : '';
  return (
    '<ListBucketResult><EncodingType>url</EncodingType>' +
    `${more || '<IsTruncated>false</IsTruncated>'}${contents.join('')}</ListBucketResult>`
  );
}

function probe(endpoint: string, prefixes: string[]) {
  const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
  return probeBucket({ endpoint, bucket: 'b', region: 'us-east-1', credentials }, prefixes);
}

describe('probeBucket', () => {
  it('lists each prefix page by page until the listing ends, keys decoded', async () => {
    const { endpoint, asked } = await startServer((query) => {
      if (query.get('prefix') === 'P/logs/') return { status: 200, body: page(['P/logs/a%20b.log']) };
      return query.get('continuation-token') === 't/1+'
        ? { status: 200, body: page(['P/reels/c.mp4']) }
        : { status: 200, body: page(['P/reels/S%C3%BCd.mp4'], 't/1+') };
    });

    const listing = await probe(endpoint, ['P/reels/', 'P/logs/']);

    expect(listing).toEqual(
      new Map([
        ['P/reels/Süd.mp4', { sizeBytes: 'P/reels/S%C3%BCd.mp4'.length }],
        ['P/reels/c.mp4', { sizeBytes: 13 }],
        ['P/logs/a b.log', { sizeBytes: 'P/logs/a%20b.log'.length }],
      ]),
    );
    expect(asked.map((query) => Object.fromEntries(query))).toContainEqual({
      'list-type': '2',
      prefix: 'P/reels/',
      'encoding-type': 'url',
      'continuation-token': 't/1+',
    });
    expect(asked).toHaveLength(3);
  });

  it('answers refused when listing is denied or not implemented', async () => {
    const denied = await startServer(() => ({
      status: 403,
      body: '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
    }));
    expect(await probe(denied.endpoint, ['P/'])).toBe('refused');
    const notListed = await startServer(() => ({ status: 501 }));
    expect(await probe(notListed.endpoint, ['P/'])).toBe('refused');
  });

  it.each<[string, Handler]>([
    ['another 403', () => ({ status: 403, body: '<Error><Code>SignatureDoesNotMatch</Code></Error>' })],
    ['a server error', () => ({ status: 500, body: '<Error><Code>InternalError</Code></Error>' })],
    ['a page that does not parse', () => ({ status: 200, body: '<html>portal</html>' })],
    [
      'a truncated page without a token',
      () => ({ status: 200, body: page(['P/a']).replace('false', 'true') }),
    ],
    ['a token that repeats', () => ({ status: 200, body: page(['P/a'], 'same') })],
  ])('gives way to the SDK on %s', async (_name, handler) => {
    const { endpoint } = await startServer(handler);
    expect(await probe(endpoint, ['P/'])).toBeUndefined();
  });
});
