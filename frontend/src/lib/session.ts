// The signed-in session: tokens in localStorage (so a reload keeps you signed in), a silent
// refresh shortly before the access token expires or after a 401, and an "expired" state
// when the refresh token is refused: the page stays as it is (with whatever was typed) and
// a sign-in dialog asks for the password again.

export interface User {
  id: string;
  username: string;
  displayName: string | null;
  bio: string | null;
  avatarUrl: string | null;
  followersCount: number;
  followingCount: number;
  createdAt: string;
  updatedAt: string;
  email?: string;
}

export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
  /** epoch ms when the access token expires */
  expiresAt: number;
}

export type SessionState = { status: 'anonymous' } | { status: 'signed-in'; session: Session } | { status: 'expired'; session: Session };

const KEY = 'cs.session';
type Listener = (s: SessionState) => void;
const listeners = new Set<Listener>();

function load(): SessionState {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return { status: 'anonymous' };
    const session = JSON.parse(raw) as Session;
    if (!session.accessToken || !session.refreshToken || !session.user?.id) return { status: 'anonymous' };
    return { status: 'signed-in', session };
  } catch {
    return { status: 'anonymous' };
  }
}

let state: SessionState = load();

function set(next: SessionState) {
  state = next;
  if (next.status === 'anonymous') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, JSON.stringify(next.session));
  listeners.forEach((l) => l(next));
}

export const sessionStore = {
  get: () => state,
  subscribe(l: Listener) {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  signIn(body: { user: User; accessToken: string; refreshToken: string; expiresIn: number }) {
    set({
      status: 'signed-in',
      session: {
        user: body.user,
        accessToken: body.accessToken,
        refreshToken: body.refreshToken,
        expiresAt: Date.now() + body.expiresIn * 1000,
      },
    });
  },
  updateUser(user: User) {
    if (state.status === 'anonymous') return;
    set({ ...state, session: { ...state.session, user: { ...state.session.user, ...user } } });
  },
  signOut() {
    set({ status: 'anonymous' });
  },
  expire() {
    if (state.status === 'signed-in') set({ status: 'expired', session: state.session });
  },
  /** Testing and the e2e "expired session" flow: forget the access token's lifetime. */
  tokens(accessToken: string, refreshToken: string, expiresIn: number) {
    if (state.status === 'anonymous') return;
    set({ status: 'signed-in', session: { ...state.session, accessToken, refreshToken, expiresAt: Date.now() + expiresIn * 1000 } });
  },
};

// Another tab signed in or out.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key === KEY) {
      state = load();
      listeners.forEach((l) => l(state));
    }
  });
}

let refreshing: Promise<string | null> | null = null;

/** Trades the refresh token for new tokens once, however many requests ask at the same time. */
export function refreshAccessToken(): Promise<string | null> {
  if (refreshing) return refreshing;
  const current = state;
  if (current.status !== 'signed-in') return Promise.resolve(null);
  refreshing = (async () => {
    try {
      const res = await fetch('/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: current.session.refreshToken }),
      });
      // Signed in again (or out) meanwhile: this answer is about a session that is gone.
      const stale = () => state.status === 'anonymous' || state.session.refreshToken !== current.session.refreshToken;
      if (res.status === 401 || res.status === 400 || res.status === 422) {
        if (!stale()) sessionStore.expire();
        return null;
      }
      if (!res.ok) return null; // a network hiccup or a 5xx: keep the session, try again later
      const body = (await res.json()) as { accessToken: string; refreshToken: string; expiresIn: number };
      if (stale()) return null;
      sessionStore.tokens(body.accessToken, body.refreshToken, body.expiresIn);
      return body.accessToken;
    } catch {
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** A usable access token: refreshed first when it expires within 30 s. */
export async function accessToken(): Promise<string | null> {
  const s = state;
  if (s.status !== 'signed-in') return null;
  if (s.session.expiresAt - Date.now() < 30_000) return (await refreshAccessToken()) ?? null;
  return s.session.accessToken;
}
