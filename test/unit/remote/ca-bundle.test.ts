/**
 * A CA bundle adds its certificates to Node's roots; a file that cannot be read, holds no PEM certificate or one
 * that does not parse is a configuration error naming the setting that gave it.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { trustedCertificates } from '../../../src/remote/ca-bundle.js';
import { makeTempDir, removeTempDirs } from '../../support/fixtures.js';

let dir: string;

beforeAll(async () => {
  dir = await makeTempDir('ca-bundle');
});

afterAll(async () => {
  await removeTempDirs();
});

async function bundleOf(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('trustedCertificates', () => {
  it("adds every certificate of the bundle to Node's roots, whatever else the file holds", async () => {
    const [first, second] = [rootCertificates[0]!, rootCertificates[1]!];
    const file = await bundleOf('two.pem', `# exported by IT\r\n${first}\r\nsubject=CN=x\n${second}\n`);
    const trusted = trustedCertificates({ path: file, setting: '--ca-bundle' });
    expect(trusted).toHaveLength(rootCertificates.length + 2);
    expect(trusted.slice(-2)).toEqual([first, second].map((pem) => pem.replaceAll('\r', '')));
  });

  it('names the setting and the file it cannot read', () => {
    const missing = path.join(dir, 'missing.pem');
    const read = () => trustedCertificates({ path: missing, setting: 'AWS_CA_BUNDLE' });
    expect(read).toThrow(ConfigError);
    // a long temp folder is cut in the quote; the message keeps its shape
    expect(read).toThrow(
      /^AWS_CA_BUNDLE: cannot read '.*' \(ENOENT\); give the path of a PEM file with your CA's certificate$/,
    );
  });

  it('refuses a file without a PEM certificate (a DER export), saying how to export it', async () => {
    const file = await bundleOf('der.cer', '\x30\x82\x03\x0a binary');
    expect(() => trustedCertificates({ path: file, setting: 'ca_bundle' })).toThrow(
      /^ca_bundle: '.*der\.cer' holds no PEM certificate \(-----BEGIN CERTIFICATE-----\); export the CA certificate as Base-64 \(PEM\), not DER$/,
    );
  });

  it('refuses a certificate that does not parse', async () => {
    const file = await bundleOf(
      'broken.pem',
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n',
    );
    expect(() => trustedCertificates({ path: file, setting: '--ca-bundle' })).toThrow(
      /^--ca-bundle: '.*broken\.pem' holds a certificate that does not parse \(.+\); export the CA certificate again as PEM$/,
    );
  });
});
