import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Server-sent event clients. One heartbeat timer for all; a client that has
 * gone away is dropped on its 'close'; a client too slow to keep up (more
 * than `maxBufferedBytes` waiting in its socket) is cut off and reconnects
 * later to a fresh full state, so one stuck tab never grows our memory.
 */

export interface SseOptions {
  heartbeatMs: number;
  maxBufferedBytes: number;
}

export const DEFAULT_SSE: SseOptions = { heartbeatMs: 15_000, maxBufferedBytes: 4 * 1024 * 1024 };

export function formatSse(type: string, data: string): string {
  return `event: ${type}\n${data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}

export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined;
  private dropped = 0;

  constructor(private readonly options: SseOptions = DEFAULT_SSE) {}

  /** Takes over the response; `first` is written right after the headers. */
  add(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>, first: string): void {
    res.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.socket?.setNoDelay(true);
    res.socket?.setKeepAlive(true);
    const remove = (): void => {
      if (this.clients.delete(res)) this.stopHeartbeatIfIdle();
    };
    req.on('error', remove);
    res.on('error', remove);
    res.on('close', remove);
    this.clients.add(res);
    this.send(res, `retry: 2000\n\n${first}`);
    this.heartbeat ??= setInterval(() => this.broadcast(': ping\n\n'), this.options.heartbeatMs);
  }

  broadcast(message: string): void {
    for (const res of this.clients) this.send(res, message);
    this.stopHeartbeatIfIdle();
  }

  size(): number {
    return this.clients.size;
  }

  /** How many clients were cut off for being too slow. */
  droppedCount(): number {
    return this.dropped;
  }

  closeAll(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stopHeartbeatIfIdle();
  }

  private send(res: ServerResponse, message: string): void {
    if (res.destroyed || res.writableEnded) {
      this.clients.delete(res);
      return;
    }
    if (res.writableLength > this.options.maxBufferedBytes) {
      this.dropped += 1;
      this.clients.delete(res);
      res.destroy();
      return;
    }
    res.write(message);
  }

  private stopHeartbeatIfIdle(): void {
    if (this.clients.size > 0 || this.heartbeat === undefined) return;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
