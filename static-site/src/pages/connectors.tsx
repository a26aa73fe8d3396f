// The connectors list: search, filters (type / owner / released) and the page cursor all live in
// the URL; the Add connector dialog states which fields lock.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, qs, ApiFailure, type Schemas } from '../api/client';
import { Link, location, navigate, setQuery } from '../router';
import { Dialog, ErrorBox, ErrorSummary, Field, PageTitle, Time, useAsync } from '../components/ui';
import { Logo } from '../components/logo';
import { me } from '../app';

export type Connector = Schemas['Connector'];

export const TYPES: [string, string][] = [
  ['datasource', 'Datasource'],
  ['export', 'Export'],
  ['export-delta', 'Export delta'],
  ['data-service', 'Data service'],
  ['download', 'Download'],
  ['transform', 'Transform'],
  ['write', 'Write'],
  ['upload', 'Upload'],
];
export const typeLabel = (t: string) => TYPES.find(([v]) => v === t)?.[1] ?? t;
export const FLOWS: [string, string][] = [['default', 'Default'], ['standalone', 'Standalone'], ['migration', 'Migration']];
export const MODES: [string, string][] = [['env', 'Environment variables'], ['options', 'Command options (--key=value)']];

const PAGE = 20;

export function ConnectorList() {
  const q = new URLSearchParams(location.value.search);
  const name = q.get('name') ?? '';
  const type = q.get('type') ?? '';
  const owner = q.get('owner') ?? '';
  const released = q.get('released') ?? '';
  const cursor = q.get('cursor') ?? '';
  const [search, setSearch] = useState(name);
  const [adding, setAdding] = useState(q.get('add') === '1');
  useEffect(() => setSearch(name), [name]);
  const list = useAsync(
    () => get<Schemas['ConnectorPage']>(`/connectors${qs({ name, type, owner, released, cursor, limit: PAGE })}`),
    [name, type, owner, released, cursor],
  );
  const orgs = me.value?.organizations ?? [];
  const orgName = (id: string) => orgs.find((o) => o.id === id)?.name ?? id;
  const debounce = useRef<number>();
  const filtered = !!(name || type || owner || released);
  return (
    <>
      <div class="page-head">
        <div>
          <PageTitle title="Connectors" />
          <p class="sub">Connectors of your organizations.</p>
        </div>
        <button class="primary" type="button" onClick={() => setAdding(true)}>Add connector</button>
      </div>
      <form class="filters" role="search" aria-label="Filter connectors" onSubmit={(e) => { e.preventDefault(); setQuery({ name: search, cursor: null }); }}>
        <Field label="Search by name">
          {(a) => (
            <input
              {...a}
              type="search"
              value={search}
              onInput={(e) => {
                const v = e.currentTarget.value;
                setSearch(v);
                window.clearTimeout(debounce.current);
                debounce.current = window.setTimeout(() => setQuery({ name: v, cursor: null }, { replace: true }), 300);
              }}
            />
          )}
        </Field>
        <Field label="Type filter">
          {(a) => (
            <select {...a} value={type} onChange={(e) => setQuery({ type: e.currentTarget.value, cursor: null })}>
              <option value="">All types</option>
              {TYPES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
            </select>
          )}
        </Field>
        <Field label="Owner filter">
          {(a) => (
            <select {...a} value={owner} onChange={(e) => setQuery({ owner: e.currentTarget.value, cursor: null })}>
              <option value="">All owners</option>
              {orgs.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
            </select>
          )}
        </Field>
        <Field label="Released filter">
          {(a) => (
            <select {...a} value={released} onChange={(e) => setQuery({ released: e.currentTarget.value, cursor: null })}>
              <option value="">Released or not</option>
              <option value="true">Released</option>
              <option value="false">Not released</option>
            </select>
          )}
        </Field>
      </form>
      {list.error ? (
        <ErrorBox error={list.error} retry={list.reload} />
      ) : !list.data ? (
        <div class="table-wrap"><p class="loading" role="status">Loading connectors…</p></div>
      ) : list.data.items.length === 0 ? (
        <div class="card empty">
          {filtered ? (
            <p>No connector matches these filters. <button class="link" type="button" onClick={() => navigate('/connectors')}>Clear the filters</button></p>
          ) : (
            <p>No connectors yet. Use <strong>Add connector</strong> to create the first one.</p>
          )}
        </div>
      ) : (
        <>
          <div class="table-wrap">
            <table class="cards-sm" aria-busy={list.loading ? 'true' : 'false'}>
              <caption class="skip">Connectors</caption>
              <thead>
                <tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Owner</th><th scope="col">Latest version</th><th scope="col">Status</th><th scope="col">Updated</th></tr>
              </thead>
              <tbody>
                {list.data.items.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <div class="row">
                        <Logo connector={c} />
                        <div>
                          <Link class="conn-name" href={`/connectors/${c.id}`}>{c.name}</Link>
                          {c.description && <div class="muted small">{c.description}</div>}
                        </div>
                      </div>
                    </td>
                    <td>{typeLabel(c.type)}</td>
                    <td>{orgName(c.owner)}</td>
                    <td>v{c.latest_version}{c.main_version ? <span class="muted small"> (main v{c.main_version})</span> : null}</td>
                    <td>{c.released ? <span class="badge ok">Released</span> : <span class="badge">Not released</span>}</td>
                    <td><Time at={c.updated_at} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="pager">
            {cursor && <button type="button" onClick={() => setQuery({ cursor: null })}>First page</button>}
            {list.data.next_cursor && <button type="button" onClick={() => setQuery({ cursor: list.data!.next_cursor! })}>Next page</button>}
          </div>
        </>
      )}
      <AddConnector open={adding} onClose={() => setAdding(false)} />
    </>
  );
}

function AddConnector({ open, onClose }: { open: boolean; onClose: () => void }) {
  const orgs = me.value?.organizations ?? [];
  const [form, setForm] = useState({ name: '', type: 'datasource', description: '', flow: 'default', execution_mode: 'env', owner: orgs[0]?.id ?? '' });
  const [error, setError] = useState<ApiFailure | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const err = (f: string) => (error instanceof ApiFailure ? error.field(f) : undefined);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const c = await post<Connector>('/connectors', form);
      onClose();
      navigate(`/connectors/${c.id}/versions/1/setup/details`);
    } catch (x) {
      setError(x as Error);
    } finally {
      setBusy(false);
    }
  }
  const labels = { name: 'Name', type: 'Type', description: 'Description', flow: 'Flow', execution_mode: 'Execution mode', owner: 'Owner' };
  return (
    <Dialog title="Add connector" open={open} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ErrorSummary error={error} labels={labels} />
        <Field label="Name" error={err('name')}>{(a) => <input {...a} data-field="name" value={form.name} onInput={set('name')} required />}</Field>
        <Field label="Type" error={err('type')}>
          {(a) => <select {...a} data-field="type" value={form.type} onChange={set('type')}>{TYPES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select>}
        </Field>
        <Field label="Description" error={err('description')}>{(a) => <textarea {...a} data-field="description" rows={2} value={form.description} onInput={set('description')} />}</Field>
        <Field label="Flow" error={err('flow')}>
          {(a) => <select {...a} data-field="flow" value={form.flow} onChange={set('flow')}>{FLOWS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select>}
        </Field>
        <Field label="Execution mode" error={err('execution_mode')}>
          {(a) => <select {...a} data-field="execution_mode" value={form.execution_mode} onChange={set('execution_mode')}>{MODES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select>}
        </Field>
        <Field label="Owner" error={err('owner')}>
          {(a) => <select {...a} data-field="owner" value={form.owner} onChange={set('owner')}>{orgs.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}</select>}
        </Field>
        <p class="notice small">Type, flow, execution mode and owner lock when the connector is created: they cannot be changed later.</p>
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button class="primary" type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create'}</button>
        </div>
      </form>
    </Dialog>
  );
}
