// The one way the UI talks to the API: same origin, bearer token from the session, JSON in
// and out, every failure turned into an ApiFailure carrying the server's code and field errors.
import type { components } from './schema';
import { token, signOut } from '../session';

export type Schemas = components['schemas'];
export type FieldError = Schemas['FieldError'];

export class ApiFailure extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public fields: FieldError[] = [],
    public state?: string | null,
  ) {
    super(message);
  }
  /** The message for one field (dotted JSON path), if the server rejected it. */
  field(path: string): string | undefined {
    return this.fields.find((f) => f.field === path || f.field.startsWith(path + '.') || f.field.startsWith(path + '['))?.message;
  }
}

export const API = '/api/v1';
/** How many times a read that met the rate limit (429) is asked again after its Retry-After. */
const RATE_LIMIT_RETRIES = 5;

export async function api<T>(method: string, path: string, body?: unknown, init: { headers?: Record<string, string>; raw?: BodyInit; contentType?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...init.headers };
  const t = token.value;
  if (t) headers.Authorization = `Bearer ${t}`;
  let payload: BodyInit | undefined;
  if (init.raw !== undefined) {
    payload = init.raw;
    headers['Content-Type'] = init.contentType ?? 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  let res: Response;
  for (let waited = 0; ; waited++) {
    try {
      res = await fetch(API + path, { method, headers, body: payload });
    } catch {
      throw new ApiFailure(0, 'network', 'The portal cannot be reached. Check your connection and try again.');
    }
    // Over the rate limit: a read is asked again after the server's Retry-After (a few times);
    // a change is not repeated behind the user's back, its error says when to try again.
    if (res.status !== 429 || method !== 'GET' || waited >= RATE_LIMIT_RETRIES) break;
    const after = Number(res.headers.get('Retry-After'));
    await new Promise((r) => setTimeout(r, Math.min(Number.isFinite(after) && after > 0 ? after : 1, 10) * 1000));
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const e = (json ?? {}) as Partial<Schemas['ErrorBody']>;
    const failure = new ApiFailure(res.status, e.code ?? 'error', e.message ?? `The portal answered ${res.status}.`, e.fields ?? [], e.state ?? null);
    if (res.status === 401 && t && !path.startsWith('/me?probe')) {
      signOut('Your token has expired or was revoked. Sign in again.');
    }
    throw failure;
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown, headers?: Record<string, string>) => api<T>('POST', path, body ?? {}, { headers });
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

/** A query string from the non-empty entries. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

export function idempotencyKey(): Record<string, string> {
  return { 'Idempotency-Key': crypto.randomUUID() };
}
