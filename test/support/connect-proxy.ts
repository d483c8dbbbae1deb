/**
 * A forward proxy as corporate networks run them, for tests: it answers HTTP CONNECT by opening a tunnel to the
 * target on 127.0.0.1, optionally only with a user and password (407 otherwise), and records each CONNECT.
 * Requests that are not CONNECT are refused (405): the uploader must tunnel, as it does for HTTPS.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ConnectProxy {
  url: string;
  /** The targets of the CONNECTs answered so far, `host:port`, in order, with whether they got through. */
  connects(): Array<{ target: string; status: number; authorization?: string | undefined }>;
  close(): Promise<void>;
}

export async function startConnectProxy(
  options: { user?: string; password?: string } = {},
): Promise<ConnectProxy> {
  const log: Array<{ target: string; status: number; authorization?: string | undefined }> = [];
  const sockets = new Set<Socket>();
  const expected =
    options.user === undefined
      ? undefined
      : `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`;
  const server: Server = createServer((_request, response) => {
    response.writeHead(405, { connection: 'close' }).end();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    const target = request.url ?? '';
    const authorization = request.headers['proxy-authorization'];
    if (expected !== undefined && authorization !== expected) {
      log.push({ target, status: 407, authorization });
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n',
      );
      return;
    }
    const [, host, port] = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target) ?? [];
    if (host !== '127.0.0.1' || port === undefined) {
      log.push({ target, status: 403, authorization });
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    log.push({ target, status: 200, authorization });
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connects: () => [...log],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
