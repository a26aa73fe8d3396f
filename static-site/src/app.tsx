// The shell: sign-in gate, top navigation and the routes (every screen is a deep link).
import { signal, useSignalEffect } from '@preact/signals';
import { useEffect, useState } from 'preact/hooks';
import { get, type Schemas } from './api/client';
import { token, signOut } from './session';
import { Link, location, match, navigate } from './router';
import { SignIn } from './pages/signin';
import { ConnectorList } from './pages/connectors';
import { ConnectorPage } from './pages/connector';
import { Wizard } from './pages/wizard';
import { Release } from './pages/release';
import { Bin } from './pages/bin';
import { Tokens } from './pages/tokens';
import { Catalog } from './pages/catalog';
import { RunsPage } from './pages/runs';
import { RunView } from './pages/run';
import { TestRun } from './pages/testRun';
import { Vault } from './pages/vault';
import { ErrorBox, Loading } from './components/ui';

export const me = signal<Schemas['MeView'] | null>(null);

function Nav() {
  const path = location.value.path;
  const item = (href: string, label: string) => (
    <Link href={href} aria-current={path === href || path.startsWith(href + '/') ? 'page' : undefined}>{label}</Link>
  );
  return (
    <header class="topbar">
      <div class="topbar-inner">
        <a class="skip" href="#main">Skip to content</a>
        <Link class="brand" href="/connectors"><img src="/favicon.svg" alt="" />Dev Portal</Link>
        <nav class="topnav" aria-label="Main">
          {item('/connectors', 'Connectors')}
          {item('/catalog', 'Catalog')}
          {item('/runs', 'Runs')}
          {item('/vault', 'Vault')}
          {item('/bin', 'Bin')}
          {item('/tokens', 'Tokens')}
        </nav>
        <div class="who">
          <span>{me.value?.user.name ?? me.value?.user.email}</span>
          <button type="button" onClick={() => { signOut(null); navigate('/signin'); }}>Sign out</button>
        </div>
      </div>
    </header>
  );
}

function Routes() {
  const path = location.value.path;
  let m: Record<string, string> | null;
  if (path === '/' || path === '/connectors') return <ConnectorList />;
  if ((m = match('/connectors/:id', path))) return <ConnectorPage id={m.id!} />;
  if ((m = match('/connectors/:id/runs', path))) return <RunsPage key={m.id!} connectorId={m.id!} />;
  if ((m = match('/connectors/:id/versions/:v/test-run', path))) return <TestRun id={m.id!} v={m.v!} />;
  if (path === '/runs') return <RunsPage key="all" />;
  if ((m = match('/runs/:id', path))) return <RunView id={m.id!} />;
  if (path === '/vault') return <Vault />;
  if ((m = match('/connectors/:id/versions/:v/setup/:step', path))) return <Wizard id={m.id!} v={m.v!} step={m.step!} />;
  if ((m = match('/connectors/:id/versions/:v/setup', path))) return <Wizard id={m.id!} v={m.v!} step="details" />;
  if ((m = match('/connectors/:id/versions/:v/release', path))) return <Release id={m.id!} v={m.v!} />;
  if (path === '/bin') return <Bin />;
  if (path === '/tokens') return <Tokens />;
  if (path === '/catalog') return <Catalog />;
  return (
    <div>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>There is no page at this address. <Link href="/connectors">Go to the connectors</Link>.</p>
    </div>
  );
}

export function App() {
  const [error, setError] = useState<Error | null>(null);
  useSignalEffect(() => {
    const t = token.value;
    if (!t) {
      me.value = null;
      return;
    }
    get<Schemas['MeView']>('/me').then(
      (m) => { me.value = m; setError(null); },
      (e: Error) => setError(e),
    );
  });
  const signedIn = !!token.value;
  const onSignin = location.value.path === '/signin';
  useEffect(() => {
    if (!signedIn && !onSignin) {
      const back = location.value.path + location.value.search + location.value.hash;
      navigate(`/signin${back && back !== '/' ? `?next=${encodeURIComponent(back)}` : ''}`, { replace: true });
    } else if (signedIn && onSignin) {
      const next = new URLSearchParams(location.value.search).get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/connectors', { replace: true });
    } else if (signedIn && location.value.path === '/') {
      navigate('/connectors', { replace: true });
    }
  }, [signedIn, onSignin]);
  if (!signedIn) return <main id="main"><SignIn /></main>;
  return (
    <>
      <Nav />
      <main id="main">
        {error ? <ErrorBox error={error} /> : me.value ? <Routes /> : <Loading what="your account" />}
      </main>
    </>
  );
}
