import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { ConfigError, quoteValue } from '../errors.js';

/** A CA bundle and the setting that named it (`--ca-bundle`, `AWS_CA_BUNDLE` or `ca_bundle`), for messages. */
export interface CaBundle {
  path: string;
  setting: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The certificates an HTTPS endpoint may be signed by: Node's built-in roots and the bundle's (an in-house CA, a
 * TLS-inspecting proxy's). The bundle adds to the roots, as NODE_EXTRA_CA_CERTS does, so Amazon S3 stays
 * reachable whatever the bundle holds.
 * @throws ConfigError naming the setting when the file cannot be read or holds no usable PEM certificate.
 */
export function trustedCertificates(bundle: CaBundle): string[] {
  const certificates = readPemCertificates(bundle);
  // TLS skips a certificate it cannot parse without a word, and the endpoint would then read as untrusted
  for (const certificate of certificates) {
    try {
      new X509Certificate(certificate);
    } catch (error) {
      throw new ConfigError(
        `${bundle.setting}: ${quoteValue(bundle.path)} holds a certificate that does not parse (${(error as Error).message}); export the CA certificate again as PEM`,
      );
    }
  }
  return [...rootCertificates, ...certificates];
}

function readPemCertificates({ path, setting }: CaBundle): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(
      `${setting}: cannot read ${quoteValue(path)} (${code}); give the path of a PEM file with your CA's certificate`,
    );
  }
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length > 0) return certificates;
  throw new ConfigError(
    `${setting}: ${quoteValue(path)} holds no PEM certificate (-----BEGIN CERTIFICATE-----); export the CA certificate as Base-64 (PEM), not DER`,
  );
}
