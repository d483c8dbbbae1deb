/**
 * An HTTPS front for the test server, as a load balancer before an on-premises store: it ends TLS with a
 * self-signed certificate for 127.0.0.1 (made by openssl, valid two days) and passes the bytes on.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import path from 'node:path';
import { createServer } from 'node:tls';

export interface TlsFront {
  /** `https://127.0.0.1:<port>` */
  endpoint: string;
  /** The PEM file of the front's certificate, which is its own CA. */
  certificate: string;
  close(): void;
}

export async function startTlsFront(dir: string, targetEndpoint: string): Promise<TlsFront> {
  await mkdir(dir, { recursive: true });
  const certificate = path.join(dir, 'endpoint.pem');
  const keyFile = path.join(dir, 'endpoint-key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certificate,
  ], { stdio: 'ignore' }); // prettier-ignore
  const target = new URL(targetEndpoint);
  const server: Server = createServer(
    { key: await readFile(keyFile), cert: await readFile(certificate) },
    (client) => {
      const upstream = connect(Number(target.port), target.hostname);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { endpoint: `https://127.0.0.1:${port}`, certificate, close: () => server.close() };
}
