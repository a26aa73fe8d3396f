// Sign in with an API token: checked against GET /me before it is kept for the session.
import { useRef, useState } from 'preact/hooks';
import { API } from '../api/client';
import { signIn, signOutReason } from '../session';
import { Field, PageTitle } from '../components/ui';

export function SignIn() {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  async function submit(e: Event) {
    e.preventDefault();
    const t = value.trim();
    if (!t) {
      setError('Enter your API token.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await fetch(`${API}/me`, { headers: { Authorization: `Bearer ${t}`, Accept: 'application/json' } });
      if (res.status === 401) {
        setError('This token is not valid: it is wrong, expired or revoked.');
        input.current?.focus();
      } else if (!res.ok) {
        setError(`The portal answered ${res.status}. Try again in a moment.`);
      } else {
        signIn(t);
      }
    } catch {
      setError('The portal cannot be reached. Check your connection and try again.');
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="signin">
      <div class="brand-big"><img src="/favicon.svg" alt="" />Dev Portal</div>
      <div class="card">
        <PageTitle title="Sign in" />
        <p class="sub">Use an API token. It is kept for this browser session only.</p>
        {signOutReason.value && <div class="notice" role="status">{signOutReason.value}</div>}
        <form onSubmit={submit} noValidate>
          <Field label="API token" error={error ?? undefined} hint="Printed by devportal serve at first start, or created under Tokens.">
            {(a) => (
              <input {...a} ref={input} type="password" name="token" autoComplete="off" spellcheck={false} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
            )}
          </Field>
          <button class="primary" type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        </form>
      </div>
    </div>
  );
}
