// The bin: binned connectors with Restore, and Delete permanently enabled only after the
// connector's name is typed.
import { useState } from 'preact/hooks';
import { del, get, post, type Schemas } from '../api/client';
import { Dialog, ErrorBox, Field, Loading, PageTitle, Time, useAsync } from '../components/ui';
import { typeLabel } from './connectors';
import { Link } from '../router';

type Connector = Schemas['Connector'];

export function Bin() {
  const bin = useAsync(() => get<Schemas['ConnectorPage']>('/bin'), []);
  const [msg, setMsg] = useState<string | null>(null);
  const [err, setErr] = useState<Error | null>(null);
  const [purge, setPurge] = useState<Connector | null>(null);
  const [typed, setTyped] = useState('');
  async function act(fn: () => Promise<unknown>, ok: string) {
    setErr(null);
    setMsg(null);
    try {
      await fn();
      setMsg(ok);
    } catch (e) {
      setErr(e as Error);
    }
    bin.reload();
  }
  return (
    <>
      <PageTitle title="Bin" />
      <p class="sub">Binned connectors are deleted permanently after the retention period.</p>
      {err && <ErrorBox error={err} />}
      <p role="status" class="status-line">{msg}</p>
      {bin.error ? <ErrorBox error={bin.error} retry={bin.reload} /> : !bin.data ? <Loading what="the bin" /> : bin.data.items.length === 0 ? (
        <div class="card empty"><p>The bin is empty.</p></div>
      ) : (
        <div class="table-wrap">
          <table class="cards-sm">
            <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Binned</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {bin.data.items.map((c) => (
                <tr key={c.id}>
                  <td class="conn-name">{c.name}</td>
                  <td>{typeLabel(c.type)}</td>
                  <td><Time at={c.binned_at} /></td>
                  <td>
                    <div class="row">
                      <button type="button" aria-label={`Restore ${c.name}`} onClick={() => act(() => post(`/bin/${c.id}/restore`), `${c.name} restored.`)}>Restore</button>
                      <button type="button" class="danger" aria-label={`Delete ${c.name} permanently`} onClick={() => { setTyped(''); setPurge(c); }}>Delete permanently</button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="small"><Link href="/connectors">Back to the connectors</Link></p>
      <Dialog title={`Delete ${purge?.name ?? ''} permanently?`} open={!!purge} onClose={() => setPurge(null)}>
        <form onSubmit={(e) => { e.preventDefault(); const c = purge!; if (typed !== c.name) return; setPurge(null); void act(() => del(`/bin/${c.id}`), `${c.name} deleted permanently.`); }}>
          <p>Every version, image, log and secret of this connector is deleted. This cannot be undone.</p>
          <Field label={`Type the connector's name (${purge?.name ?? ''}) to confirm`}>{(a) => <input {...a} value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autoComplete="off" />}</Field>
          <div class="actions">
            <button type="button" onClick={() => setPurge(null)}>Cancel</button>
            <button type="submit" class="danger solid" disabled={typed !== purge?.name}>Delete permanently</button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
