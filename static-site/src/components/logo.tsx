// A connector's logo: the API serves it behind the bearer token, so it is fetched and shown
// through a blob: URL (allowed by the CSP's img-src).
import { useEffect, useState } from 'preact/hooks';
import { API } from '../api/client';
import { token } from '../session';

const cache = new Map<string, string>();

export function Logo({ connector, large, bust }: { connector: { id: string; name: string; has_logo: boolean; revision?: number }; large?: boolean; bust?: number }) {
  const key = `${connector.id}:${connector.revision ?? 0}:${bust ?? 0}`;
  const [url, setUrl] = useState<string | null>(cache.get(key) ?? null);
  useEffect(() => {
    if (!connector.has_logo || cache.has(key)) {
      setUrl(cache.get(key) ?? null);
      return;
    }
    let live = true;
    fetch(`${API}/connectors/${connector.id}/logo`, { headers: { Authorization: `Bearer ${token.value ?? ''}` } })
      .then((r) => (r.ok ? r.blob() : null))
      .then((b) => {
        if (!b || !live) return;
        const u = URL.createObjectURL(b);
        cache.set(key, u);
        setUrl(u);
      })
      .catch(() => undefined);
    return () => { live = false; };
  }, [key, connector.has_logo]);
  const cls = large ? 'logo-preview' : 'logo-sm';
  if (url) return <img class={cls} src={url} alt="" />;
  return <span class={large ? 'logo-preview logo-ph' : 'logo-ph'} aria-hidden="true">{connector.name.slice(0, 2).toUpperCase()}</span>;
}
