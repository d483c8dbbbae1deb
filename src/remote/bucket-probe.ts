import http from 'node:http';
import { refusesListing } from './classify-error.js';
import { parseListPage } from './list-page-xml.js';
import { parseS3ErrorBody } from './s3-error-response.js';
import type { SigningKeys } from './request-signature.js';
import { sendSigned, type SignedAnswer, type SignedTarget } from './signed-request.js';

/** What a probe needs: a custom endpoint addressed path-style, static keys, the signing region. */
export interface ProbeTarget {
  endpoint: string;
  bucket: string;
  region: string;
  credentials: SigningKeys;
  expectedBucketOwner?: string | undefined;
  trustedCertificates?: string[] | undefined;
}

/** An object as a listing names it: its size, and its ETag (without quotes) where the listing gave one. */
export interface ListedObject {
  sizeBytes: number;
  etag?: string | undefined;
}

/**
 * What listing prefixes found: each key under them with its size and ETag, or `refused` when the bucket may not be
 * listed (403 AccessDenied: keys that may only write) or the server does not list (405, 501).
 */
export type Listing = ReadonlyMap<string, ListedObject> | 'refused';

type Send = (request: {
  method: 'HEAD' | 'GET';
  path: string;
  query?: Record<string, string>;
}) => Promise<SignedAnswer | undefined>;

/**
 * A signed HeadBucket at `target` and a ListObjectsV2 of each of `prefixes`, page by page until the listing ends,
 * without loading the SDK (about 50 ms on Node 20): for a run that needs nothing else from the bucket. What the
 * listings found when the bucket answered 200; undefined on any other answer, a network error, a timeout, or a
 * listing that is not what S3 answers (a page that does not parse, a truncated page without a new continuation
 * token), never an error: the caller then connects through the SDK, which retries, explains and reports as usual.
 */
export async function probeBucket(
  target: ProbeTarget,
  prefixes: readonly string[],
  signal?: AbortSignal,
): Promise<Listing | undefined> {
  const url = new URL(target.endpoint);
  const bucketPath = `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(target.bucket)}`;
  const owner = target.expectedBucketOwner;
  const signed: SignedTarget = {
    url,
    // TLS takes a while to load, and most S3-compatible endpoints on a LAN speak plain HTTP
    transport: url.protocol === 'https:' ? await import('node:https') : http,
    region: target.region,
    credentials: target.credentials,
    headers: owner ? { 'x-amz-expected-bucket-owner': owner } : {},
    trustedCertificates: target.trustedCertificates,
  };
  const send: Send = (request) => sendSigned(signed, request, signal);
  const [bucket, ...listings] = await Promise.all([
    send({ method: 'HEAD', path: bucketPath }),
    ...prefixes.map((prefix) => listPrefix(send, bucketPath, prefix)),
  ]);
  if (bucket?.status !== 200) return undefined;
  return mergeListings(listings);
}

function mergeListings(listings: readonly (Listing | undefined)[]): Listing | undefined {
  if (listings.includes(undefined)) return undefined;
  if (listings.includes('refused')) return 'refused';
  const objects = new Map<string, ListedObject>();
  for (const listing of listings as ReadonlyMap<string, ListedObject>[])
    for (const [key, object] of listing) objects.set(key, object);
  return objects;
}

async function listPrefix(send: Send, bucketPath: string, prefix: string): Promise<Listing | undefined> {
  const objects = new Map<string, ListedObject>();
  const tokens = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const query = {
      'list-type': '2',
      prefix,
      'encoding-type': 'url',
      ...(token === undefined ? {} : { 'continuation-token': token }),
    };
    const answer = await send({ method: 'GET', path: bucketPath, query });
    if (answer && refusesListing(answer.status, parseS3ErrorBody(answer.body).code ?? '')) return 'refused';
    const page = answer?.status === 200 ? parseListPage(answer.body) : undefined;
    if (!page) return undefined;
    for (const { key, ...object } of page.objects) objects.set(key, object);
    if (!page.isTruncated) return objects;
    // a server that sends no way on, or the same one again, would be asked for ever: the SDK's listing copes
    token = page.nextContinuationToken;
    if (token === undefined || tokens.has(token)) return undefined;
    tokens.add(token);
  }
}
