// REST calls: JSON in and out, the bearer token added, one silent refresh and retry on a 401,
// and problem+json turned into an ApiError that names the field.
import { accessToken, refreshAccessToken, sessionStore } from './session';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
  ) {
    super(message);
  }
  get offline() {
    return this.status === 0;
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** fetch with the session's token; a 401 triggers one refresh and one retry. */
export async function authFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const withToken = (token: string | null) => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const token = await accessToken();
  const res = await withToken(token);
  if (res.status === 401 && token) {
    const fresh = await refreshAccessToken();
    if (fresh) return withToken(fresh);
    if (sessionStore.get().status === 'expired') return res;
  }
  return res;
}

export async function problemOf(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let detail = res.statusText || 'The request failed';
  let field: string | undefined;
  try {
    const body = await res.json();
    code = body.code ?? code;
    detail = body.detail ?? body.title ?? detail;
    field = body.field ?? undefined;
  } catch {
    /* not JSON */
  }
  if (res.status === 401 && code === 'http_401') code = 'unauthorized';
  return new ApiError(res.status, code, detail, field);
}

export async function api<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('content-type', 'application/json');
  let res: Response;
  try {
    res = await authFetch(path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
  } catch {
    throw new ApiError(0, 'offline', 'Could not reach ConnectSphere. Check your connection and try again.');
  }
  if (!res.ok) throw await problemOf(res);
  if (res.status === 204) return undefined as T;
  // The local gateway answers index.html to a GET on a path with no route: not an API answer.
  if (!(res.headers.get('content-type') ?? '').includes('json')) throw new ApiError(404, 'route_not_found', 'This server does not offer that yet.');
  return (await res.json()) as T;
}

export const query = (params: Record<string, string | number | undefined | null>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

/** Words for an error a person can act on. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.offline) return err.message;
    if (err.status === 401) return 'Your session has ended. Sign in again to continue.';
    if (err.status === 429) return 'Too many attempts. Wait a minute, then try again.';
    if (err.status >= 500) return 'Something went wrong on our side. Try again in a moment.';
    return err.message;
  }
  return err instanceof Error ? err.message : 'Something went wrong.';
}
