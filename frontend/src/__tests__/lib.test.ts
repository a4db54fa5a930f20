import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from '../lib/api';
import { backoff, Realtime } from '../lib/realtime';
import { accessToken, sessionStore } from '../lib/session';
import { checkFile, IMAGE_MAX, IMAGE_TYPES } from '../lib/upload';
import { mentionAt } from '../components/MentionTextArea';
import { merge } from '../pages/ConversationPage';
import { summary } from '../pages/ActivityPage';
import type { Message, Notification } from '../lib/types';

const user = { id: 'u1', username: 'ana', displayName: null, bio: null, avatarUrl: null, followersCount: 0, followingCount: 0, createdAt: '', updatedAt: '' };

afterEach(() => {
  vi.restoreAllMocks();
  sessionStore.signOut();
});

describe('backoff', () => {
  it('doubles from half a second up to 30 s, with jitter in the upper half', () => {
    expect(backoff(0, () => 0)).toBe(250);
    expect(backoff(0, () => 1)).toBe(500);
    expect(backoff(3, () => 1)).toBe(4000);
    expect(backoff(20, () => 1)).toBe(30_000);
    expect(backoff(20, () => 0)).toBe(15_000);
  });
});

describe('session', () => {
  it('refreshes an access token about to expire once, however many ask', async () => {
    sessionStore.signIn({ user, accessToken: 'old', refreshToken: 'r1', expiresIn: 10 });
    const fetch = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response(JSON.stringify({ accessToken: 'new', refreshToken: 'r2', expiresIn: 900 }), { status: 200 }));
    const [a, b] = await Promise.all([accessToken(), accessToken()]);
    expect([a, b]).toEqual(['new', 'new']);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(fetch.mock.calls[0][1]!.body))).toEqual({ refreshToken: 'r1' });
  });

  it('a refused refresh token ends the session as expired (the page stays)', async () => {
    sessionStore.signIn({ user, accessToken: 'old', refreshToken: 'r1', expiresIn: 10 });
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('{"code":"invalid_refresh_token"}', { status: 401 }));
    expect(await accessToken()).toBeNull();
    expect(sessionStore.get().status).toBe('expired');
  });

  it('a 401 answer is retried once with a refreshed token', async () => {
    sessionStore.signIn({ user, accessToken: 'stale', refreshToken: 'r1', expiresIn: 900 });
    const fetch = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      if (String(input) === '/auth/refresh') return new Response(JSON.stringify({ accessToken: 'fresh', refreshToken: 'r2', expiresIn: 900 }));
      const auth = new Headers(init?.headers).get('authorization');
      return auth === 'Bearer fresh'
        ? new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } })
        : new Response('{"code":"unauthorized"}', { status: 401 });
    });
    expect(await api('/x')).toEqual({ ok: true });
    expect(fetch).toHaveBeenCalledTimes(3);
  });
});

describe('api errors', () => {
  it('carry the problem code and field', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(
      new Response(JSON.stringify({ code: 'username_taken', detail: 'username is taken', field: 'username' }), { status: 409 }),
    );
    const err = (await api('/users/register', { method: 'POST', json: {} }).catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect([err.status, err.code, err.field, err.message]).toEqual([409, 'username_taken', 'username', 'username is taken']);
  });

  it('a network failure is an offline error with advice', async () => {
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('Failed to fetch'));
    const err = (await api('/x').catch((e) => e)) as ApiError;
    expect(err.offline).toBe(true);
    expect(err.message).toMatch(/Check your connection/);
  });
});

describe('files', () => {
  it('refuses a wrong type and an oversized image before any upload', () => {
    expect(checkFile(new File(['x'], 'a.txt', { type: 'text/plain' }), IMAGE_TYPES, IMAGE_MAX)).toMatch(/a\.txt is a text\/plain/);
    const big = new File([new Uint8Array(IMAGE_MAX + 1)], 'big.png', { type: 'image/png' });
    expect(checkFile(big, IMAGE_TYPES, IMAGE_MAX)).toMatch(/big\.png \(10\.0 MB\) is larger than the 10 MB limit/);
    expect(checkFile(new File(['x'], 'ok.png', { type: 'image/png' }), IMAGE_TYPES, IMAGE_MAX)).toBeNull();
  });
});

describe('mentions', () => {
  it('finds the @word at the caret', () => {
    expect(mentionAt('hello @an', 9)).toEqual({ start: 6, query: 'an' });
    expect(mentionAt('@bo', 3)).toEqual({ start: 0, query: 'bo' });
    expect(mentionAt('mail a@b', 8)).toBeNull();
    expect(mentionAt('hello @an ', 10)).toBeNull();
  });
});

describe('chat', () => {
  const msg = (id: string, at: string, extra: Partial<Message> = {}): Message => ({ id, conversationId: 'c', senderId: 'u', body: id, clientId: null, createdAt: at, editedAt: null, deleted: false, ...extra });
  it('merges history by id, replaces a pending message by its acknowledgement, keeps pending last', () => {
    const pending = { ...msg('pending-1', '2026-01-01T00:00:09Z', { clientId: 'k1' }), state: 'pending' as const };
    let list = merge([], [msg('b', '2026-01-01T00:00:02Z'), msg('a', '2026-01-01T00:00:01Z')]);
    list = merge(list, [pending]);
    list = merge(list, [msg('c', '2026-01-01T00:00:03Z'), msg('a', '2026-01-01T00:00:01Z')]);
    expect(list.map((m) => m.id)).toEqual(['a', 'b', 'c', 'pending-1']);
    list = merge(list, [msg('d', '2026-01-01T00:00:04Z', { clientId: 'k1' })]);
    expect(list.map((m) => [m.id, m.state])).toEqual([['a', undefined], ['b', undefined], ['c', undefined], ['d', undefined]]);
  });
});

describe('notifications', () => {
  it('groups actors in one line', () => {
    const n = (actorCount: number): Notification => ({ id: 'n', type: 'like', actors: [{ id: 'a', username: 'ana', displayName: 'Ana', avatarUrl: null }], actorCount, subjectId: 'p', read: false, createdAt: '', updatedAt: '' });
    expect(summary(n(1))).toBe('Ana liked your post');
    expect(summary(n(2))).toBe('Ana and 1 other liked your post');
    expect(summary(n(5))).toBe('Ana and 4 others liked your post');
  });
});

describe('Realtime', () => {
  it('reconnects after a drop and says it was a reconnect (so pages catch up)', async () => {
    vi.useFakeTimers();
    const sockets: FakeSocket[] = [];
    class FakeSocket {
      static OPEN = 1;
      readyState = 0;
      onopen?: () => void;
      onclose?: () => void;
      onmessage?: (e: { data: string }) => void;
      constructor(public url: string, public protocols: string[]) {
        sockets.push(this);
      }
      send() {}
      close() {
        this.readyState = 3;
        this.onclose?.();
      }
      open() {
        this.readyState = 1;
        this.onopen?.();
      }
    }
    vi.stubGlobal('WebSocket', FakeSocket);
    const rt = new Realtime(() => 'ws://x', async () => 'tok');
    const seen: [string, boolean][] = [];
    rt.onStatus((s, re) => seen.push([s, re]));
    rt.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets[0].protocols).toEqual(['connectsphere', 'tok']);
    sockets[0].open();
    sockets[0].close();
    await vi.advanceTimersByTimeAsync(600);
    expect(sockets).toHaveLength(2);
    sockets[1].open();
    expect(seen.filter(([s]) => s === 'open')).toEqual([['open', false], ['open', true]]);
    rt.stop();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
});

describe('session races', () => {
  it('a refresh refused after signing in again does not end the new session', async () => {
    sessionStore.signIn({ user, accessToken: 'old', refreshToken: 'r-old', expiresIn: 10 });
    let answer!: (r: Response) => void;
    vi.spyOn(globalThis, 'fetch').mockReturnValue(new Promise((r) => (answer = r)));
    const pending = accessToken();
    sessionStore.signIn({ user, accessToken: 'new', refreshToken: 'r-new', expiresIn: 900 });
    answer(new Response('{"code":"refresh_token_reused"}', { status: 401 }));
    expect(await pending).toBeNull();
    expect(sessionStore.get().status).toBe('signed-in');
    expect(await accessToken()).toBe('new');
  });
});
