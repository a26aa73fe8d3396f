// A small history router: the URL is the state (path and query), so every screen and filter
// is a deep link and a reload keeps the user where they were. Links are real <a href>s.
import { signal } from '@preact/signals';
import type { ComponentChildren, JSX } from 'preact';

export const location = signal({ path: window.location.pathname, search: window.location.search, hash: window.location.hash });

function sync() {
  location.value = { path: window.location.pathname, search: window.location.search, hash: window.location.hash };
}
window.addEventListener('popstate', sync);

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  const cur = window.location.pathname + window.location.search + window.location.hash;
  if (to === cur) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  sync();
  if (!to.includes('#')) window.scrollTo(0, 0);
}

/** Guards (e.g. unsaved changes) may refuse a navigation. */
let guard: (() => boolean) | null = null;
export function setNavigationGuard(g: (() => boolean) | null) {
  guard = g;
}

export function Link(props: JSX.HTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren }) {
  const { href, onClick, ...rest } = props;
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        if (onClick) (onClick as (ev: MouseEvent) => void)(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        if (guard && !guard()) return;
        navigate(href);
      }}
    />
  );
}

/** Matches `/connectors/:id` style patterns; returns the parameters or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!;
    const b = s[i]!;
    if (a.startsWith(':')) out[a.slice(1)] = decodeURIComponent(b);
    else if (a !== b) return null;
  }
  return out;
}

export function query(): URLSearchParams {
  return new URLSearchParams(location.value.search);
}

/** Replaces some query parameters (empty values removed), keeping the path. */
export function setQuery(changes: Record<string, string | null | undefined>, opts: { replace?: boolean } = {}) {
  const q = new URLSearchParams(location.value.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  navigate(location.value.path + (s ? `?${s}` : ''), opts);
}
