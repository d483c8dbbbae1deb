/**
 * A port that serves HTTPS and answers a plain HTTP request with 400, as Go's servers (MinIO among them) do:
 * "Client sent an HTTP request to an HTTPS server". TLS connections are passed on to `tlsPort` on 127.0.0.1.
 */
import net from 'node:net';

/** The first byte of a TLS handshake record. */
const TLS_HANDSHAKE = 0x16;

const PLAIN_REFUSAL = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

export interface HttpsOnlyFront {
  port: number;
  close(): void;
}

export async function startHttpsOnlyFront(tlsPort: number): Promise<HttpsOnlyFront> {
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.once('data', (first) => {
      if (first[0] !== TLS_HANDSHAKE) {
        socket.end(PLAIN_REFUSAL);
        return;
      }
      const inner = net.connect(tlsPort, '127.0.0.1', () => {
        inner.write(first);
        socket.pipe(inner).pipe(socket);
      });
      inner.on('error', () => socket.destroy());
      socket.on('close', () => inner.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}
