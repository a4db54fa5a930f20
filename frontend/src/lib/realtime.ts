// The WebSocket API (chat frames and live notifications): one socket per signed-in tab,
// reconnected with exponential backoff and jitter; listeners hear every frame, and a
// "reconnected" event tells pages to fetch what they missed.
import { accessToken } from './session';
import type { Message, Notification } from './types';

export type Frame =
  | { type: 'message'; message: Message }
  | { type: 'typing'; conversationId: string; userId: string }
  | { type: 'read'; conversationId: string; userId: string; messageId: string; readAt: string; unreadCount: number }
  | { type: 'notification'; notification: Notification }
  | { type: 'error'; code: string; detail: string; field?: string; status: number; action?: string; clientId?: string };

export type Status = 'connecting' | 'open' | 'closed';

export function websocketUrl(): string {
  const configured = import.meta.env.VITE_WS_URL as string | undefined;
  if (configured) return configured;
  if (import.meta.env.DEV) return import.meta.env.VITE_DEV_WS_URL as string;
  // The local gateway: the WebSocket API listens on the HTTP port + 1.
  const port = Number(location.port || (location.protocol === 'https:' ? 443 : 80));
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:${port + 1}`;
}

export function backoff(attempt: number, random = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** attempt);
  return Math.round(base / 2 + (random() * base) / 2);
}

type FrameListener = (f: Frame) => void;
type StatusListener = (s: Status, reconnected: boolean) => void;

export class Realtime {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private everOpened = false;
  private frames = new Set<FrameListener>();
  private statuses = new Set<StatusListener>();
  status: Status = 'closed';

  constructor(private url: () => string = websocketUrl, private token: () => Promise<string | null> = accessToken) {}

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000);
    this.ws = null;
    this.setStatus('closed', false);
  }

  private onOnline = () => {
    if (this.status !== 'open') {
      this.attempt = 0;
      if (this.timer) clearTimeout(this.timer);
      void this.connect();
    }
  };

  // The network is gone: a socket that looks open would swallow what is sent.
  private onOffline = () => this.drop();

  private setStatus(s: Status, reconnected: boolean) {
    this.status = s;
    this.statuses.forEach((l) => l(s, reconnected));
  }

  private async connect() {
    if (this.stopped) return;
    this.setStatus('connecting', false);
    const token = await this.token();
    if (!token || this.stopped) {
      this.retry();
      return;
    }
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url(), ['connectsphere', token]);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.setStatus('open', reconnected);
    };
    ws.onmessage = (e) => {
      try {
        const frame = JSON.parse(String(e.data)) as Frame;
        this.frames.forEach((l) => l(frame));
      } catch {
        /* not ours */
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setStatus('closed', false);
      this.retry();
    };
  }

  private retry() {
    if (this.stopped) return;
    const delay = backoff(this.attempt++);
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  /** Sends a frame; false when the socket is not open (the caller falls back to REST). */
  send(frame: Record<string, unknown>): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Test hook (also what a lost network looks like): drop the socket, then reconnect. */
  drop() {
    this.ws?.close(4000, 'dropped');
  }

  onFrame(l: FrameListener) {
    this.frames.add(l);
    return () => void this.frames.delete(l);
  }

  onStatus(l: StatusListener) {
    this.statuses.add(l);
    return () => void this.statuses.delete(l);
  }
}

export const realtime = new Realtime();

// The e2e tests drop the socket through this to check the catch-up after a reconnect.
if (typeof window !== 'undefined') (window as unknown as { __realtime: Realtime }).__realtime = realtime;
