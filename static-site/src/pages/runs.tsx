// The runs view: the run history of one connector (/connectors/:id/runs) or of everything the
// user sees (/runs). Filters (version, site, status, process id, time window) and the page
// cursor live in the URL, so a filtered view is a deep link and Back/Forward walk the filter
// changes. While a listed run is queued or running the page refreshes itself. Above the
// table, the durations of the listed runs over time (a small SVG chart, no inline styles, so
// it works under the strict CSP) with a table alternative.
import { useEffect, useState } from 'preact/hooks';
import { get, qs, type Schemas } from '../api/client';
import { Link, location, query, setQuery } from '../router';
import { ErrorBox, Field, Loading, PageTitle, Select, Time, useAsync } from '../components/ui';

export type Run = Schemas['RunView'];
export const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed-out'];
export const ACTIVE = ['queued', 'running'];
const PER_PAGE = ['10', '25', '50', '100'];
/** How often a view with an active run asks again. */
export const REFRESH_MS = 2000;

export function runBadge(status: string) {
  const cls = status === 'succeeded' ? 'ok' : status === 'failed' || status === 'timed-out' ? 'bad' : status === 'cancelled' ? 'warn' : 'info';
  return <span class={`badge ${cls}`}>{status}</span>;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `datetime-local` value (the user's zone) ↔ RFC 3339 in the URL. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
export function fromLocalInput(v: string): string | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Calls `tick` every REFRESH_MS while `active`; stops when the page goes away. */
export function useRefresh(active: boolean, tick: () => void) {
  useEffect(() => {
    if (!active) return;
    const t = window.setInterval(tick, REFRESH_MS);
    return () => window.clearInterval(t);
  }, [active, tick]);
}

export function RunsPage({ connectorId }: { connectorId?: string }) {
  const q = query();
  const f = {
    version: q.get('version') ?? '',
    site: q.get('site') ?? '',
    status: q.get('status') ?? '',
    process: q.get('process') ?? '',
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
    cursor: q.get('cursor') ?? '',
    per: PER_PAGE.includes(q.get('per') ?? '') ? q.get('per')! : '25',
  };
  const key = location.value.search;
  const conn = useAsync(() => (connectorId ? get<Schemas['Connector']>(`/connectors/${connectorId}`) : Promise.resolve(null)), [connectorId]);
  const runs = useAsync(
    () =>
      get<Schemas['RunPage']>(
        `/runs${qs({ connector_id: connectorId, version: f.version, site_id: f.site, status: f.status, process_id: f.process, from: f.from, to: f.to, cursor: f.cursor, limit: f.per })}`,
      ),
    [connectorId, key],
  );
  const items = runs.data?.items ?? [];
  const active = items.some((r) => ACTIVE.includes(r.status));
  useRefresh(active && !runs.loading, runs.reload);
  const title = connectorId ? `Runs of ${conn.data?.name ?? 'the connector'}` : 'Runs';
  const filtered = !!(f.version || f.site || f.status || f.process || f.from || f.to);
  const set = (changes: Record<string, string | null>) => setQuery({ ...changes, cursor: null });
  return (
    <>
      {connectorId && (
        <div class="crumbs"><Link href="/connectors">Connectors</Link> / <Link href={`/connectors/${connectorId}`}>{conn.data?.name ?? 'Connector'}</Link> / Runs</div>
      )}
      <PageTitle title={title} key2={connectorId ?? 'all'} />
      <p class="sub">Newest first.{active ? ' Refreshing while runs are active.' : ''}</p>
      <form class="filters runs-filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <Field label="Status">{(a) => <Select {...a} value={f.status} options={[['', 'Any status'], ...STATUSES.map((s): [string, string] => [s, s])]} onChange={(e) => set({ status: e.currentTarget.value })} />}</Field>
        <Field label="Version">{(a) => <input {...a} type="number" min={1} value={f.version} onChange={(e) => set({ version: e.currentTarget.value })} />}</Field>
        <Field label="Site">{(a) => <input {...a} value={f.site} onChange={(e) => set({ site: e.currentTarget.value.trim() })} />}</Field>
        <Field label="Process id">{(a) => <input {...a} value={f.process} onChange={(e) => set({ process: e.currentTarget.value.trim() })} />}</Field>
        <Field label="From">{(a) => <input {...a} type="datetime-local" value={toLocalInput(f.from)} onChange={(e) => set({ from: fromLocalInput(e.currentTarget.value) })} />}</Field>
        <Field label="To">{(a) => <input {...a} type="datetime-local" value={toLocalInput(f.to)} onChange={(e) => set({ to: fromLocalInput(e.currentTarget.value) })} />}</Field>
        {filtered && <button type="button" onClick={() => set({ version: null, site: null, status: null, process: null, from: null, to: null })}>Clear filters</button>}
      </form>
      {runs.error ? <ErrorBox error={runs.error} retry={runs.reload} /> : !runs.data ? <Loading what="runs" /> : items.length === 0 ? (
        <div class="card empty"><p>{filtered ? 'No run matches these filters.' : 'No runs yet.'}{connectorId && !filtered ? ' Start one with Test run on a version that is synced to its dev site.' : ''}</p></div>
      ) : (
        <>
          <DurationChart runs={items} />
          <RunTable runs={items} showConnector={!connectorId} />
          <div class="pager">
            <Field label="Runs per page">{(a) => <Select {...a} value={f.per} options={PER_PAGE.map((n): [string, string] => [n, n])} onChange={(e) => setQuery({ per: e.currentTarget.value === '25' ? null : e.currentTarget.value, cursor: null })} />}</Field>
            {f.cursor && <button type="button" onClick={() => setQuery({ cursor: null })}>First page</button>}
            {runs.data.next_cursor && <button type="button" onClick={() => setQuery({ cursor: runs.data!.next_cursor! })}>Next page</button>}
          </div>
        </>
      )}
    </>
  );
}

export function RunTable({ runs, showConnector }: { runs: Run[]; showConnector?: boolean }) {
  return (
    <div class="table-wrap">
      <table class="cards-sm runs-table">
        <caption class="sr-only">Runs</caption>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Process id</th>
            {showConnector && <th scope="col">Connector</th>}
            <th scope="col">Version</th>
            <th scope="col">Site</th>
            <th scope="col">Trigger</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Exit code</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-run={r.id}>
              <td><Link href={`/runs/${r.id}`} aria-label={`Run ${r.id.slice(0, 8)}, ${r.status}`}>{runBadge(r.status)}</Link></td>
              <td><code>{r.process_id ? r.process_id.slice(0, 8) : '—'}</code></td>
              {showConnector && <td><Link href={`/connectors/${r.connector_id}/runs`}>{r.connector_id.slice(0, 8)}</Link></td>}
              <td>v{r.version}</td>
              <td><code>{r.site_id}</code> <span class="muted small">{r.site_kind}</span></td>
              <td>{r.trigger.kind === 'user' ? 'user' : 'API'}</td>
              <td><Time at={r.started_at ?? r.created_at} /></td>
              <td>{duration(r.duration_ms)}</td>
              <td>{r.exit_code ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const W = 640;
const H = 160;
const PAD = { l: 56, r: 12, t: 10, b: 24 };

/** Durations over time as an SVG: one dot per run (x = start, y = duration), coloured and
 *  shaped by outcome so colour is not the only cue; a table of the same numbers on demand. */
export function DurationChart({ runs }: { runs: Run[] }) {
  const [asTable, setAsTable] = useState(false);
  const pts = runs
    .filter((r) => r.duration_ms !== null && r.duration_ms !== undefined)
    .map((r) => ({ r, t: new Date(r.started_at ?? r.created_at).getTime(), d: r.duration_ms! }))
    .sort((a, b) => a.t - b.t);
  if (pts.length === 0) return null;
  const t0 = pts[0]!.t;
  const t1 = pts[pts.length - 1]!.t;
  const dMax = Math.max(...pts.map((p) => p.d), 1);
  const x = (t: number) => PAD.l + (t1 === t0 ? (W - PAD.l - PAD.r) / 2 : ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r));
  const y = (d: number) => H - PAD.b - (d / dMax) * (H - PAD.t - PAD.b);
  const line = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.d).toFixed(1)}`).join(' ');
  return (
    <section class="card chart" aria-labelledby="chart-h">
      <div class="row">
        <h2 id="chart-h" class="chart-title">Run durations</h2>
        <span class="spacer" />
        <button type="button" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>{asTable ? 'Show chart' : 'Show as table'}</button>
      </div>
      {asTable ? (
        <table class="chart-table">
          <thead><tr><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Status</th></tr></thead>
          <tbody>{pts.map((p) => <tr key={p.r.id}><td><Time at={p.r.started_at ?? p.r.created_at} /></td><td>{duration(p.d)}</td><td>{p.r.status}</td></tr>)}</tbody>
        </table>
      ) : (
        <svg viewBox={`0 0 ${W} ${H}`} class="chart-svg" role="img" aria-label={`Durations of ${pts.length} runs, longest ${duration(dMax)}`}>
          <line class="axis" x1={PAD.l} y1={H - PAD.b} x2={W - PAD.r} y2={H - PAD.b} />
          <line class="axis" x1={PAD.l} y1={PAD.t} x2={PAD.l} y2={H - PAD.b} />
          <text class="tick" x={PAD.l - 6} y={PAD.t + 8} text-anchor="end">{duration(dMax)}</text>
          <text class="tick" x={PAD.l - 6} y={H - PAD.b} text-anchor="end">0</text>
          <text class="tick" x={PAD.l} y={H - 6}>{new Date(t0).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })}</text>
          {t1 !== t0 && <text class="tick" x={W - PAD.r} y={H - 6} text-anchor="end">{new Date(t1).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })}</text>}
          {pts.length > 1 && <path class="trend" d={line} />}
          {pts.map((p) => {
            const ok = p.r.status === 'succeeded';
            const cx = x(p.t);
            const cy = y(p.d);
            return ok ? (
              <circle key={p.r.id} class="pt ok" cx={cx} cy={cy} r={4}><title>{`${p.r.status}, ${duration(p.d)}`}</title></circle>
            ) : (
              <rect key={p.r.id} class={`pt ${ACTIVE.includes(p.r.status) ? 'active' : 'bad'}`} x={cx - 4} y={cy - 4} width={8} height={8}><title>{`${p.r.status}, ${duration(p.d)}`}</title></rect>
            );
          })}
        </svg>
      )}
    </section>
  );
}
