// The vault: the organization's secret entries by path with their field names (values are
// write-only and never shown), add or replace an entry, delete one.
import { useState } from 'preact/hooks';
import { ApiFailure, del, get, put, qs, type Schemas } from '../api/client';
import { Dialog, ErrorBox, ErrorSummary, Field, Loading, PageTitle, Select, useAsync } from '../components/ui';
import { me } from '../app';

type Row = { name: string; value: string };

export function Vault() {
  const orgs = me.value?.organizations ?? [];
  const [org, setOrg] = useState(orgs[0]?.id ?? '');
  const orgQs = orgs.length > 1 ? qs({ org_id: org }) : '';
  const list = useAsync(() => get<Schemas['VaultList']>(`/vault${orgQs}`), [orgQs]);
  const [path, setPath] = useState('');
  const [rows, setRows] = useState<Row[]>([{ name: '', value: '' }]);
  const [error, setError] = useState<Error | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);
  const failure = error instanceof ApiFailure ? error : null;
  const setRow = (i: number, p: Partial<Row>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...p } : r)));

  async function save(e: Event) {
    e.preventDefault();
    setError(null);
    setMsg(null);
    setBusy(true);
    const fields: Record<string, string> = {};
    for (const r of rows) if (r.name.trim()) fields[r.name.trim()] = r.value;
    try {
      const saved = await put<Schemas['VaultEntryView']>(`/vault/${path.trim().split('/').map(encodeURIComponent).join('/')}${orgQs}`, { fields });
      // The values leave the page with the request: the form forgets them.
      setRows([{ name: '', value: '' }]);
      setPath('');
      setMsg(`Saved ${saved.path} (${saved.fields.join(', ')}).`);
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
    setBusy(false);
  }

  async function remove(p: string) {
    setDeleting(null);
    setError(null);
    try {
      await del(`/vault/${p.split('/').map(encodeURIComponent).join('/')}${orgQs}`);
      setMsg(`Deleted ${p}.`);
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  }

  return (
    <>
      <PageTitle title="Vault" />
      <p class="sub">Secrets your connectors read at run time (declared in a version's authentication step). Values are write-only: they are never shown again.</p>
      {orgs.length > 1 && (
        <Field label="Organization">{(a) => <Select {...a} value={org} options={orgs.map((o): [string, string] => [o.id, o.name])} onChange={(e) => setOrg(e.currentTarget.value)} />}</Field>
      )}
      <p class="status-line" role="status">{msg}</p>
      {list.error ? <ErrorBox error={list.error} retry={list.reload} /> : !list.data ? <Loading what="the vault" /> : list.data.items.length === 0 ? (
        <div class="card empty"><p>The vault is empty.</p></div>
      ) : (
        <div class="table-wrap">
          <table class="cards-sm">
            <thead><tr><th scope="col">Path</th><th scope="col">Fields</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {list.data.items.map((e) => (
                <tr key={e.path}>
                  <td><code>{e.path}</code></td>
                  <td>{e.fields.join(', ')}</td>
                  <td>
                    <div class="row">
                      <button type="button" onClick={() => { setPath(e.path); setRows(e.fields.map((n) => ({ name: n, value: '' }))); document.querySelector<HTMLElement>('[data-field="path"]')?.focus(); }} aria-label={`Replace ${e.path}`}>Replace…</button>
                      <button type="button" class="danger" onClick={() => setDeleting(e.path)} aria-label={`Delete ${e.path}`}>Delete</button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="card" onSubmit={save} aria-labelledby="vault-form-h">
        <h2 id="vault-form-h">Add or replace an entry</h2>
        <ErrorSummary error={error} />
        <Field label="Path" error={failure?.field('path')} hint="e.g. shops/acme/api — saving an existing path replaces all its fields.">
          {(a) => <input {...a} data-field="path" value={path} onInput={(e) => setPath(e.currentTarget.value)} required autoComplete="off" />}
        </Field>
        {rows.map((r, i) => (
          <div class="row vault-row" key={i}>
            <Field label={`Field ${i + 1} name`} error={failure?.field(`fields.${r.name}`)}>{(a) => <input {...a} value={r.name} data-field="fields" onInput={(e) => setRow(i, { name: e.currentTarget.value })} autoComplete="off" />}</Field>
            <Field label={`Field ${i + 1} value`}>{(a) => <input {...a} type="password" value={r.value} onInput={(e) => setRow(i, { value: e.currentTarget.value })} autoComplete="new-password" />}</Field>
            {rows.length > 1 && <button type="button" aria-label={`Remove field ${i + 1}`} onClick={() => setRows(rows.filter((_, j) => j !== i))}>Remove</button>}
          </div>
        ))}
        <div class="row">
          <button type="button" onClick={() => setRows([...rows, { name: '', value: '' }])}>Add field</button>
          <button type="submit" class="primary" disabled={busy}>Save entry</button>
        </div>
      </form>
      <Dialog title={`Delete ${deleting ?? ''}?`} open={deleting !== null} onClose={() => setDeleting(null)}>
        <p>Runs that read this entry fail to start until it is stored again.</p>
        <div class="actions">
          <button type="button" onClick={() => setDeleting(null)}>Cancel</button>
          <button type="button" class="danger solid" onClick={() => remove(deleting!)}>Delete entry</button>
        </div>
      </Dialog>
    </>
  );
}
