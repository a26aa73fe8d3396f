// The catalog: what end-users of an account, project or site may use (released or granted
// versions), with each entry's end-user form rendered as they will see it.
import { get, qs, type Schemas } from '../api/client';
import { location, setQuery } from '../router';
import { ErrorBox, Field, Loading, PageTitle, shortDigest, useAsync } from '../components/ui';
import { EndUserForm } from '../components/endUserForm';
import { typeLabel } from './connectors';

export function Catalog() {
  const q = new URLSearchParams(location.value.search);
  const site = q.get('site') ?? '';
  const account = q.get('account') ?? '';
  const cursor = q.get('cursor') ?? '';
  const dir = useAsync(async () => {
    const [a, s] = await Promise.all([get<Schemas['AccountList']>('/accounts'), get<Schemas['SiteList']>('/sites')]);
    return { accounts: a.items, sites: s.items.filter((x) => x.kind === 'production') };
  }, []);
  const cat = useAsync(
    () => (site || account ? get<Schemas['CatalogList']>(`/catalog${qs({ site_id: site, account_id: site ? '' : account, cursor })}`) : Promise.resolve(null)),
    [site, account, cursor],
  );
  return (
    <>
      <PageTitle title="Catalog" />
      <p class="sub">What end-users may use at a place: released or granted versions.</p>
      {dir.error ? <ErrorBox error={dir.error} /> : !dir.data ? <Loading what="the directory" /> : (
        <div class="filters">
          <Field label="Account">
            {(a) => (
              <select {...a} value={account} onChange={(e) => setQuery({ account: e.currentTarget.value, site: null, cursor: null })}>
                <option value="">Choose an account</option>
                {dir.data!.accounts.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
              </select>
            )}
          </Field>
          <Field label="Site">
            {(a) => (
              <select {...a} value={site} onChange={(e) => setQuery({ site: e.currentTarget.value, cursor: null })}>
                <option value="">Any site of the account</option>
                {dir.data!.sites.filter((s) => !account || s.account_id === account).map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
              </select>
            )}
          </Field>
        </div>
      )}
      {!site && !account ? <p class="muted">Choose an account or a site.</p> : cat.error ? <ErrorBox error={cat.error} retry={cat.reload} /> : !cat.data ? <Loading what="the catalog" /> : cat.data.items.length === 0 ? (
        <div class="card empty"><p>Nothing is available here yet.</p></div>
      ) : (
        <ul class="stack" aria-label="Catalog entries">
          {cat.data.items.map((i) => (
            <li class="card" key={i.release_id}>
              <h2>{i.title}</h2>
              <p class="sub">{typeLabel(i.type)} · image <code>{shortDigest(i.digest)}</code></p>
              {i.form.length > 0 && (
                <details>
                  <summary>End-user form</summary>
                  <EndUserForm fields={i.form.map((f) => ({ key: f.key, type: f.type, label: f.label, required: f.required, placeholder: f.placeholder, description: f.description, default: f.default ?? '', options: f.options.join(', ') }))} />
                </details>
              )}
            </li>
          ))}
        </ul>
      )}
      {cat.data && (cursor || cat.data.next_cursor) && (
        <div class="pager">
          {cursor && <button type="button" onClick={() => setQuery({ cursor: null })}>First page</button>}
          {cat.data.next_cursor && <button type="button" onClick={() => setQuery({ cursor: cat.data!.next_cursor! })}>Next page</button>}
        </div>
      )}
    </>
  );
}
