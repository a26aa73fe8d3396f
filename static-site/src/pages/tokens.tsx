// Automation tokens (create — shown once, with Copy — list, revoke) and the user's organizations.
import { useState } from 'preact/hooks';
import { ApiFailure, del, get, post, type Schemas } from '../api/client';
import { Dialog, ErrorBox, ErrorSummary, Field, Loading, PageTitle, Time, copyText, useAsync } from '../components/ui';
import { me } from '../app';

export function Tokens() {
  const tokens = useAsync(() => get<Schemas['TokenList']>('/tokens'), []);
  const orgs = useAsync(() => get<Schemas['OrganizationList']>('/organizations'), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [error, setError] = useState<ApiFailure | Error | null>(null);
  const [revoking, setRevoking] = useState<Schemas['TokenView'] | null>(null);
  const [orgName, setOrgName] = useState('');
  const [orgError, setOrgError] = useState<ApiFailure | Error | null>(null);
  const current = me.value?.token_id;
  return (
    <>
      <PageTitle title="Tokens" />
      <p class="sub">API tokens for automation. A token is shown once, when it is created.</p>
      <div class="card">
        <h2>Create a token</h2>
        <form class="row" noValidate onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          setCopied(null);
          try {
            const r = await post<{ id: string; token: string }>('/tokens', { name });
            setCreated({ name, token: r.token });
            setName('');
            tokens.reload();
          } catch (x) {
            setError(x as Error);
          }
        }}>
          <div class="spacer">
            <ErrorSummary error={error} labels={{ name: 'Token name' }} />
            <Field label="Token name" error={error instanceof ApiFailure ? error.field('name') : undefined}>{(a) => <input {...a} data-field="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />}</Field>
          </div>
          <button class="primary" type="submit">Create token</button>
        </form>
        {created && (
          <div class="success" role="status">
            <p><strong>Token “{created.name}” created.</strong> Copy it now: it is not shown again.</p>
            <p class="token-once" aria-label="New token">{created.token}</p>
            <div class="row">
              <button type="button" onClick={async () => setCopied((await copyText(created.token)) ? 'Copied.' : 'Copy failed: select the token and copy it.')}>Copy</button>
              <button type="button" onClick={() => setCreated(null)}>Done</button>
              <span>{copied}</span>
            </div>
          </div>
        )}
      </div>
      <h2>Your tokens</h2>
      {tokens.error ? <ErrorBox error={tokens.error} retry={tokens.reload} /> : !tokens.data ? <Loading what="tokens" /> : (
        <div class="table-wrap">
          <table class="cards-sm">
            <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col"></th></tr></thead>
            <tbody>
              {tokens.data.items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name} {t.id === current && <span class="badge info">this session</span>}</td>
                  <td><Time at={t.created_at} /></td>
                  <td><button type="button" class="danger" aria-label={`Revoke ${t.name}`} onClick={() => setRevoking(t)}>Revoke</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog title={`Revoke ${revoking?.name ?? ''}?`} open={!!revoking} onClose={() => setRevoking(null)}>
        <p>Anything using this token stops working at once.{revoking?.id === current ? ' This is the token of this session: you will be signed out.' : ''}</p>
        <div class="actions">
          <button type="button" onClick={() => setRevoking(null)}>Cancel</button>
          <button type="button" class="danger solid" onClick={async () => { const t = revoking!; setRevoking(null); try { await del(`/tokens/${t.id}`); } catch (x) { setError(x as Error); } tokens.reload(); }}>Revoke</button>
        </div>
      </Dialog>
      <h2>Organizations</h2>
      {orgs.error ? <ErrorBox error={orgs.error} /> : !orgs.data ? <Loading what="organizations" /> : (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Your role</th><th scope="col">Created</th></tr></thead>
            <tbody>{orgs.data.items.map((o) => <tr key={o.id}><td>{o.name}</td><td>{String(o.role)}</td><td><Time at={o.created_at} /></td></tr>)}</tbody>
          </table>
        </div>
      )}
      <form class="row" noValidate onSubmit={async (e) => {
        e.preventDefault();
        setOrgError(null);
        try {
          await post('/organizations', { name: orgName });
          setOrgName('');
          orgs.reload();
          me.value = await get<Schemas['MeView']>('/me');
        } catch (x) {
          setOrgError(x as Error);
        }
      }}>
        <div class="spacer">
          <Field label="New organization name" error={orgError instanceof ApiFailure ? orgError.field('name') ?? orgError.message : orgError?.message}>{(a) => <input {...a} value={orgName} onInput={(e) => setOrgName(e.currentTarget.value)} />}</Field>
        </div>
        <button type="submit">Create organization</button>
      </form>
    </>
  );
}
