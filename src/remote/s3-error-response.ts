import { decodeXmlText, elementText } from './xml-text.js';

/** The fields of an S3 XML error body (`<Error><Code>…</Code><Message>…</Message>…</Error>`). */
export interface S3ErrorBody {
  code?: string;
  message?: string;
  requestId?: string;
  hostId?: string;
  /** The header an InvalidArgument answer refused (Amazon S3 names it). */
  argumentName?: string;
}

/**
 * An S3 error answer, shaped like the SDK's service exceptions (`name` is the S3 code, `$fault`, `$metadata`
 * with the HTTP status), so `classify-error` retries, fails or stops on it exactly as on the SDK's own. It is
 * deliberately not an `UploadError`: like an SDK error, it is classified and wrapped by the transfer engine.
 */
export class S3ErrorResponse extends Error {
  readonly Code: string;
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number; requestId?: string; extendedRequestId?: string };
  readonly ArgumentName?: string;

  constructor(statusCode: number, body: S3ErrorBody, headers: { requestId?: string; hostId?: string }) {
    // the SDK's names when the body names no code: NotFound for a bare 404, else Unknown
    const code = body.code ?? (statusCode === 404 ? 'NotFound' : 'Unknown');
    super(body.message ?? 'UnknownError');
    this.name = code;
    this.Code = code;
    this.$fault = statusCode < 500 ? 'client' : 'server';
    if (body.argumentName) this.ArgumentName = body.argumentName;
    const requestId = headers.requestId ?? body.requestId;
    const extendedRequestId = headers.hostId ?? body.hostId;
    this.$metadata = {
      httpStatusCode: statusCode,
      ...(requestId ? { requestId } : {}),
      ...(extendedRequestId ? { extendedRequestId } : {}),
    };
  }
}

const FIELDS: ReadonlyArray<[keyof S3ErrorBody, string]> = [
  ['code', 'Code'],
  ['message', 'Message'],
  ['requestId', 'RequestId'],
  ['hostId', 'HostId'],
  ['argumentName', 'ArgumentName'],
];

/**
 * The code, message and ids of an S3 XML error body; fields it lacks are absent, and a body that is no S3 error
 * (empty, HTML from a proxy) gives an empty object.
 */
export function parseS3ErrorBody(xml: string): S3ErrorBody {
  const body: S3ErrorBody = {};
  for (const [field, element] of FIELDS) {
    const text = elementText(xml, element);
    // an error's text is shown, not trusted: one that does not decode is shown as it came
    if (text !== undefined) body[field] = (decodeXmlText(text) ?? text).trim();
  }
  return body;
}
