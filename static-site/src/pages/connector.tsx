// A connector: its details, the versions selector (each version's setup and release),
// Add version, version delete, Duplicate and Move to bin.
import { useState } from 'preact/hooks';
import { del, get, post, type Schemas } from '../api/client';
import { Link, navigate } from '../router';
import { Dialog, ErrorBox, Loading, PageTitle, Time, useAsync } from '../components/ui';
import { Logo } from '../components/logo';
import { typeLabel, FLOWS, MODES } from './connectors';
import { stateBadge } from './release';
import { me } from '../app';

export type Version = Schemas['VersionView'];

export function ConnectorPage({ id }: { id: string }) {
  const c = useAsync(() => get<Schemas['Connector']>(`/connectors/${id}`), [id]);
  const vs = useAsync(() => get<Schemas['VersionList']>(`/connectors/${id}/versions`), [id]);
  const [msg, setMsg] = useState<string | null>(null);
  const [err, setErr] = useState<Error | null>(null);
  const [confirmBin, setConfirmBin] = useState(false);
  const [deleting, setDeleting] = useState<number | null>(null);
  if (c.error) return <ErrorBox error={c.error} retry={c.reload} />;
  if (!c.data) return <Loading what="the connector" />;
  const conn = c.data;
  const orgName = me.value?.organizations.find((o) => o.id === conn.owner)?.name ?? conn.owner;
  async function act(fn: () => Promise<void>) {
    setErr(null);
    setMsg(null);
    try {
      await fn();
    } catch (e) {
      setErr(e as Error);
    }
  }
  return (
    <>
      <div class="crumbs"><Link href="/connectors">Connectors</Link> / {conn.name}</div>
      <div class="page-head">
        <div class="row">
          <Logo connector={conn} large />
          <div>
            <PageTitle title={conn.name} />
            <p class="sub">{typeLabel(conn.type)} · owned by {orgName}</p>
          </div>
        </div>
        <div class="row">
          <Link class="button" href={`/connectors/${id}/runs`}>Runs</Link>
          <button type="button" onClick={() => act(async () => { const copy = await post<Schemas['Connector']>(`/connectors/${id}/copy`); navigate(`/connectors/${copy.id}`); })}>Duplicate</button>
          <button type="button" class="danger" onClick={() => setConfirmBin(true)}>Move to bin</button>
        </div>
      </div>
      {err && <ErrorBox error={err} />}
      {msg && <div class="success" role="status">{msg}</div>}
      <div class="card">
        <dl class="kv">
          <dt>Description</dt><dd>{conn.description || <span class="muted">—</span>}</dd>
          <dt>Flow</dt><dd>{FLOWS.find(([v]) => v === conn.flow)?.[1] ?? conn.flow}</dd>
          <dt>Execution mode</dt><dd>{MODES.find(([v]) => v === conn.execution_mode)?.[1] ?? conn.execution_mode}</dd>
          <dt>Main version</dt><dd>{conn.main_version ? `v${conn.main_version}` : 'none yet'}</dd>
          <dt>Released</dt><dd>{conn.released ? 'yes' : 'no'}</dd>
          <dt>Created</dt><dd><Time at={conn.created_at} /></dd>
        </dl>
      </div>
      <div class="page-head">
        <h2>Versions</h2>
        <button type="button" onClick={() => act(async () => { const v = await post<Version>(`/connectors/${id}/versions`); setMsg(`Version ${v.number} added (a copy of the newest version's configuration).`); vs.reload(); c.reload(); })}>Add version</button>
      </div>
      {vs.error ? <ErrorBox error={vs.error} retry={vs.reload} /> : !vs.data ? <Loading what="versions" /> : (
        <div class="table-wrap">
          <table class="cards-sm">
            <thead><tr><th scope="col">Version</th><th scope="col">State</th><th scope="col">Setup</th><th scope="col">Production</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {[...vs.data.items].sort((a, b) => b.number - a.number).map((v) => (
                <tr key={v.number}>
                  <td><strong>v{v.number}</strong>{v.deployment.main && <span class="badge info"> main</span>}</td>
                  <td>{stateBadge(v.state)}</td>
                  <td>{v.buildable ? 'complete' : `${v.steps.filter((s) => s.requirement === 'required' && !s.complete).length} required step(s) left`}</td>
                  <td>{v.deployment.production ? <>release <code>{v.deployment.production.release_id.slice(0, 8)}</code>{v.deployment.released ? ' · released' : ''}</> : <span class="muted">—</span>}</td>
                  <td>
                    <div class="row">
                      <Link class="button" href={`/connectors/${id}/versions/${v.number}/setup/details`} aria-label={`Setup of version ${v.number}`}>Setup</Link>
                      <Link class="button" href={`/connectors/${id}/versions/${v.number}/release`} aria-label={`Release of version ${v.number}`}>Release</Link>
                      {v.deployment.dev && <Link class="button" href={`/connectors/${id}/versions/${v.number}/test-run`} aria-label={`Test run of version ${v.number}`}>Test run</Link>}
                      <button type="button" class="danger" disabled={vs.data!.items.length < 2 || !!v.deployment.production} title={vs.data!.items.length < 2 ? 'The last version cannot be deleted; move the connector to the bin instead.' : v.deployment.production ? 'This version is used in production.' : undefined} onClick={() => setDeleting(v.number)} aria-label={`Delete version ${v.number}`}>Delete</button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog title={`Delete version ${deleting ?? ''}?`} open={deleting !== null} onClose={() => setDeleting(null)}>
        <p>Version {deleting} and its configuration, builds and logs are deleted. This cannot be undone.</p>
        <div class="actions">
          <button type="button" onClick={() => setDeleting(null)}>Cancel</button>
          <button type="button" class="danger solid" onClick={() => { const n = deleting; setDeleting(null); void act(async () => { await del(`/connectors/${id}/versions/${n}`); setMsg(`Version ${n} deleted.`); vs.reload(); }); }}>Delete version</button>
        </div>
      </Dialog>
      <Dialog title={`Move ${conn.name} to the bin?`} open={confirmBin} onClose={() => setConfirmBin(false)}>
        <p>It disappears from lists and the catalog; you can restore it from the bin within the retention period.</p>
        <div class="actions">
          <button type="button" onClick={() => setConfirmBin(false)}>Cancel</button>
          <button type="button" class="danger solid" onClick={() => { setConfirmBin(false); void act(async () => { await del(`/connectors/${id}`); navigate('/bin'); }); }}>Move to bin</button>
        </div>
      </Dialog>
    </>
  );
}
