import { isIP } from 'node:net';

/**
 * Whether `host:port` completes a TLS handshake (any certificate: only the protocol is in question). A plain
 * HTTP request to an HTTPS port is closed without an answer, which reads as a flaky server and would be retried
 * for half a minute; one handshake tells the two apart.
 */
export async function speaksTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  // TLS stays out of a run that never needs it: this runs only after a plain request was cut off
  const { connect } = await import('node:tls');
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      // Node refuses an IP address as the SNI name
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    const settle = (tls: boolean) => {
      socket.destroy();
      resolve(tls);
    };
    socket.once('secureConnect', () => settle(true));
    socket.once('error', () => settle(false));
    socket.once('timeout', () => settle(false));
  });
}
