import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

/**
 * Raw HTTP for the dashboard tests: node:http sends the path exactly as
 * given (fetch would normalise `/../` away) and any Host header we like.
 */

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { Host: `127.0.0.1:${port}`, ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export interface SseMessage {
  event: string;
  data: string;
}

/** An open event stream: messages so far, a way to wait for one, and to drop the connection. */
export interface SseStream {
  messages: SseMessage[];
  raw: () => string;
  response: IncomingMessage;
  waitFor(match: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  destroy(): void;
  closed: Promise<void>;
}

export function openEvents(port: number, headers: Record<string, string>): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/events', headers: { Host: `127.0.0.1:${port}`, ...headers }, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`event stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      const messages: SseMessage[] = [];
      const waiters: { match: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }[] = [];
      let text = '';
      let buffer = '';
      let closedResolve: () => void = () => undefined;
      const closed = new Promise<void>((r) => (closedResolve = r));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length === 0) continue;
          const message = { event, data: data.join('\n') };
          messages.push(message);
          for (const waiter of [...waiters]) {
            if (waiter.match(message)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve(message);
            }
          }
        }
      });
      // The socket, not the response: a paused response never reports its end.
      res.socket.on('close', () => closedResolve());
      res.on('error', () => closedResolve());
      resolve({
        messages,
        raw: () => text,
        response: res,
        closed,
        destroy: () => req.destroy(),
        waitFor: (match, timeoutMs = 5000) => {
          const found = messages.find(match);
          if (found !== undefined) return Promise.resolve(found);
          return new Promise((res2, rej2) => {
            const timer = setTimeout(() => rej2(new Error('timed out waiting for an event')), timeoutMs);
            waiters.push({
              match,
              resolve: (m) => {
                clearTimeout(timer);
                res2(m);
              },
            });
          });
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}
