// A run's page: every field of the run (status, exit code, times, duration, trigger, the
// effective command line and environment with secrets masked as the API answers them,
// progress), Cancel while queued or running, and three tabs kept in the URL: the application
// logs (level threshold, text search with the match count over the whole log, time window,
// Load more by cursor, live follow while the run is active, NDJSON / plain-text download of
// the whole log), the raw stdout / stderr lines, and the flattened output rows.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { API, get, post, qs, type Schemas } from '../api/client';
import { token } from '../session';
import { Link, query, setQuery } from '../router';
import { ErrorBox, Field, Loading, PageTitle, Select, Time, useAsync } from '../components/ui';
import { ACTIVE, duration, fromLocalInput, runBadge, toLocalInput, useRefresh, type Run } from './runs';

type Entry = Schemas['RunLogEntry'];
type Stdio = Schemas['StdioLine'];

export const LEVEL_NAMES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'];
/** The API's largest page. */
const PAGE_MAX = 200;
const THRESHOLDS: [string, string][] = [['', 'All levels'], ...LEVEL_NAMES.map((n, i): [string, string] => [String(i), `${i} and worse (${n}${i ? ' …' : ''})`])];

function levelName(l: unknown): string {
  return typeof l === 'number' ? LEVEL_NAMES[l] ?? String(l) : String(l);
}
/** On the syslog scale (success ranks with notice, report with info), as the server does. */
function severity(l: unknown): number {
  return typeof l === 'number' ? l : l === 'success' ? 5 : 6;
}

export function RunView({ id }: { id: string }) {
  const run = useAsync(() => get<Run>(`/runs/${id}`), [id]);
  const [msg, setMsg] = useState<string | null>(null);
  const [err, setErr] = useState<Error | null>(null);
  const active = !!run.data && ACTIVE.includes(run.data.status);
  useRefresh(active && !run.loading, run.reload);
  const tab = query().get('tab') ?? 'logs';
  if (run.error && !run.data) return <ErrorBox error={run.error} retry={run.reload} />;
  if (!run.data) return <Loading what="the run" />;
  const r = run.data;
  async function cancel() {
    setErr(null);
    try {
      run.setData(await post<Run>(`/runs/${id}/cancel`));
      setMsg('Cancel requested: the run is being stopped.');
    } catch (e) {
      setErr(e as Error);
    }
  }
  const tabs: [string, string][] = [['logs', 'Logs'], ['stdio', 'stdout / stderr'], ['output', 'Output rows']];
  return (
    <>
      <div class="crumbs">
        <Link href="/runs">Runs</Link> / <Link href={`/connectors/${r.connector_id}/runs`}>this connector's runs</Link> / {r.id.slice(0, 8)}
      </div>
      <div class="page-head">
        <div>
          <PageTitle title={`Run ${r.id.slice(0, 8)}`} key2={id} />
          <p class="sub" role="status">Status: {runBadge(r.status)}{r.cancel_requested && ACTIVE.includes(r.status) ? ' · stopping…' : ''}{r.reason ? ` · ${r.reason}` : ''}</p>
        </div>
        {ACTIVE.includes(r.status) && !r.cancel_requested && <button type="button" class="danger" onClick={cancel}>Cancel run</button>}
      </div>
      {err && <ErrorBox error={err} />}
      {msg && <div class="success" role="status">{msg}</div>}
      <div class="card">
        <dl class="kv run-fields">
          <dt>Status</dt><dd>{r.status}</dd>
          <dt>Exit code</dt><dd>{r.exit_code ?? '—'}</dd>
          <dt>Reason</dt><dd>{r.reason ?? '—'}</dd>
          <dt>Created</dt><dd><Time at={r.created_at} /></dd>
          <dt>Started</dt><dd><Time at={r.started_at} /></dd>
          <dt>Finished</dt><dd><Time at={r.finished_at} /></dd>
          <dt>Duration</dt><dd>{duration(r.duration_ms)}{ACTIVE.includes(r.status) && r.started_at ? ' (so far)' : ''} · limit {duration(r.time_limit_secs * 1000)}</dd>
          <dt>Trigger</dt><dd>{r.trigger.kind === 'user' ? 'started by a user in the portal' : 'started through the API'}</dd>
          <dt>Process id</dt><dd><code>{r.process_id ?? '—'}</code></dd>
          <dt>Version</dt><dd><Link href={`/connectors/${r.connector_id}/versions/${r.version}/release`}>v{r.version}</Link></dd>
          <dt>Site</dt><dd><code>{r.site_id}</code> ({r.site_kind})</dd>
          <dt>Image</dt><dd><code>{r.digest || '—'}</code></dd>
          <dt>Test input</dt><dd>{r.has_test_input ? 'yes' : 'no'}</dd>
          <dt>Progress</dt>
          <dd>{r.progress ? <><progress max={100} value={r.progress.percent} aria-label="Progress">{r.progress.percent}%</progress> {r.progress.percent}% · {r.progress.message}</> : '—'}</dd>
          <dt>Command line</dt><dd><code class="cmd">{r.command_line}</code></dd>
          <dt>Environment</dt>
          <dd>
            {r.environment.length === 0 ? '—' : (
              <ul class="env">
                {r.environment.map((e) => <li key={e.name}><code>{e.name}={e.value}</code>{e.masked && <> <span class="badge">secret</span></>}</li>)}
              </ul>
            )}
          </dd>
        </dl>
      </div>
      <nav class="tabs" aria-label="Run details">
        {tabs.map(([k, label]) => (
          <a key={k} href={`?tab=${k}`} aria-current={tab === k ? 'page' : undefined} onClick={(e) => { e.preventDefault(); setQuery({ tab: k === 'logs' ? null : k }); }}>{label}</a>
        ))}
      </nav>
      {tab === 'stdio' ? <StdioTab id={id} active={active} /> : tab === 'output' ? <OutputTab id={id} active={active} /> : <LogsTab id={id} active={active} />}
    </>
  );
}

function LogsTab({ id, active }: { id: string; active: boolean }) {
  const q = query();
  const f = { level: q.get('level') ?? '', text: q.get('q') ?? '', from: q.get('lfrom') ?? '', to: q.get('lto') ?? '' };
  const [items, setItems] = useState<Entry[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  // false when the server stopped counting a very long log at its budget (a lower bound).
  const [exact, setExact] = useState(true);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<Error | null>(null);
  const [search, setSearch] = useState(f.text);
  const [dlError, setDlError] = useState<string | null>(null);
  const filterQs = { min_level: f.level, q: f.text, from: f.from, to: f.to };
  const key = JSON.stringify(filterQs);
  const gen = useRef(0);
  useEffect(() => setSearch(f.text), [f.text]);
  useEffect(() => {
    const mine = ++gen.current;
    setLoading(true);
    get<Schemas['LogPage']>(`/runs/${id}/logs${qs({ ...filterQs, limit: PAGE_MAX })}`).then(
      (p) => {
        if (mine !== gen.current) return;
        setItems(p.items);
        setTotal(p.total_matches ?? null);
        setExact(p.total_matches_exact ?? true);
        setNext(p.next_cursor ?? null);
        setError(null);
        setLoading(false);
      },
      (e: Error) => {
        if (mine !== gen.current) return;
        setError(e);
        setLoading(false);
      },
    );
  }, [id, key]);
  async function more() {
    const mine = gen.current;
    try {
      const p = await get<Schemas['LogPage']>(`/runs/${id}/logs${qs({ ...filterQs, limit: PAGE_MAX, cursor: next })}`);
      if (mine !== gen.current) return;
      setItems((old) => {
        const lastSeq = old.length ? old[old.length - 1]!.seq : -1;
        return [...old, ...p.items.filter((e) => e.seq > lastSeq)];
      });
      setNext(p.next_cursor ?? null);
    } catch (e) {
      setError(e as Error);
    }
  }
  // Live follow: once the end is loaded, ask for entries at or after the newest one's time and
  // keep those with a higher sequence number (no repeats, no gaps).
  const follow = useCallback(() => {
    if (next || loading) return;
    const mine = gen.current;
    const last = items[items.length - 1];
    const from = last ? last.time : f.from;
    get<Schemas['LogPage']>(`/runs/${id}/logs${qs({ ...filterQs, from, limit: PAGE_MAX })}`).then((p) => {
      if (mine !== gen.current) return;
      const lastSeq = last?.seq ?? -1;
      const added = p.items.filter((e) => e.seq > lastSeq);
      if (added.length) {
        setItems((old) => [...old, ...added]);
        setTotal((t) => (t ?? 0) + added.length);
      }
      if (p.next_cursor) setNext(p.next_cursor);
    }, () => undefined);
  }, [id, key, items, next, loading]);
  useRefresh(active, follow);
  // The run just ended: one last read picks up what arrived with the end.
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) follow();
    wasActive.current = active;
  }, [active]);

  async function download(kind: 'ndjson' | 'text') {
    setDlError(null);
    const accept = kind === 'ndjson' ? 'application/x-ndjson' : 'text/plain';
    try {
      const res = await fetch(`${API}/runs/${id}/logs${qs(filterQs)}`, { headers: { Accept: accept, Authorization: `Bearer ${token.value}` } });
      if (!res.ok) throw new Error(`The portal answered ${res.status}.`);
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `run-${id}.${kind === 'ndjson' ? 'ndjson' : 'log'}`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setDlError(`Download failed: ${(e as Error).message}`);
    }
  }

  return (
    <section aria-label="Logs">
      <form class="filters log-filters" aria-label="Filter logs" onSubmit={(e) => { e.preventDefault(); setQuery({ q: search.trim() || null }); }}>
        <Field label="Level">{(a) => <Select {...a} value={f.level} options={THRESHOLDS} onChange={(e) => setQuery({ level: e.currentTarget.value })} />}</Field>
        <Field label="Search text">{(a) => <input {...a} type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />}</Field>
        <Field label="From">{(a) => <input {...a} type="datetime-local" value={toLocalInput(f.from)} onChange={(e) => setQuery({ lfrom: fromLocalInput(e.currentTarget.value) })} />}</Field>
        <Field label="To">{(a) => <input {...a} type="datetime-local" value={toLocalInput(f.to)} onChange={(e) => setQuery({ lto: fromLocalInput(e.currentTarget.value) })} />}</Field>
        <button type="submit">Search</button>
      </form>
      <div class="row">
        <p class="status-line" role="status" aria-live="polite">
          {loading ? 'Loading logs…' : `${total ?? items.length}${exact ? '' : '+'} matching ${total === 1 && exact ? 'entry' : 'entries'} in the whole log · ${items.length} shown${active ? ' · live' : ''}`}
        </p>
        <span class="spacer" />
        <button type="button" onClick={() => download('ndjson')}>Download NDJSON</button>
        <button type="button" onClick={() => download('text')}>Download text</button>
      </div>
      {dlError && <div class="alert" role="alert">{dlError}</div>}
      {error && <ErrorBox error={error} />}
      {!loading && items.length === 0 ? (
        <div class="card empty"><p>{f.level || f.text || f.from || f.to ? 'No log entry matches these filters.' : active ? 'No log entries yet.' : 'This run wrote no log entries.'}</p></div>
      ) : (
        <div class="table-wrap">
          <table class="log-table">
            <thead><tr><th scope="col">Time</th><th scope="col">Level</th><th scope="col">Message</th></tr></thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.seq} class={`lvl-${severity(e.level) <= 3 ? 'err' : severity(e.level) === 4 ? 'warn' : 'info'}`} data-seq={e.seq}>
                  <td class="nowrap"><Time at={e.time} /></td>
                  <td><span class="lvl">{levelName(e.level)}</span></td>
                  <td>
                    <span class="msg"><Marked text={e.message} q={f.text} /></span>
                    {e.context && typeof e.context === 'object' && Object.keys(e.context).length > 0 && <code class="ctx">{JSON.stringify(e.context)}</code>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && <div class="pager"><button type="button" onClick={more}>Load more</button></div>}
    </section>
  );
}

/** The text with each case-insensitive occurrence of `q` in a <mark> (text nodes only). */
function Marked({ text, q }: { text: string; q: string }) {
  if (!q) return <>{text}</>;
  const lower = text.toLowerCase();
  const needle = q.toLowerCase();
  const parts = [];
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0 && needle; i = lower.indexOf(needle, at)) {
    if (i > at) parts.push(text.slice(at, i));
    parts.push(<mark key={i}>{text.slice(i, i + needle.length)}</mark>);
    at = i + needle.length;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

/** Pages through a cursor-paged list; while `active`, keeps asking from the last cursor. */
function usePaged<T extends { seq: number }>(url: string, active: boolean) {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const gen = useRef(0);
  const lastSeq = useRef(-1);
  const load = useCallback(async (cursor: string | null, reset: boolean) => {
    const mine = gen.current;
    try {
      const sep = url.includes('?') ? '&' : '?';
      const p = await get<{ items: T[]; next_cursor?: string | null }>(`${url}${sep}limit=${PAGE_MAX}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (mine !== gen.current) return;
      const fresh = reset ? p.items : p.items.filter((x) => x.seq > lastSeq.current);
      if (fresh.length) lastSeq.current = fresh[fresh.length - 1]!.seq;
      setItems((old) => (reset ? fresh : [...old, ...fresh]));
      setNext(p.next_cursor ?? null);
      setError(null);
      setDone(true);
    } catch (e) {
      setError(e as Error);
    }
  }, [url]);
  useEffect(() => {
    gen.current++;
    lastSeq.current = -1;
    setDone(false);
    void load(null, true);
  }, [url]);
  // Live: without a further cursor, ask for everything again and keep only new sequence numbers.
  const tick = useCallback(() => { if (!next) void load(null, false); }, [next, load]);
  useRefresh(active, tick);
  return { items, next, done, error, more: () => load(next, false) };
}

function StdioTab({ id, active }: { id: string; active: boolean }) {
  const stream = query().get('stream') ?? '';
  const p = usePaged<Stdio>(`/runs/${id}/stdio${qs({ stream })}`, active);
  return (
    <section aria-label="stdout and stderr">
      <div class="row">
        <Field label="Stream">{(a) => <Select {...a} value={stream} options={[['', 'stdout and stderr'], ['stdout', 'stdout only'], ['stderr', 'stderr only']]} onChange={(e) => setQuery({ stream: e.currentTarget.value })} />}</Field>
      </div>
      {p.error && <ErrorBox error={p.error} />}
      {!p.done ? <Loading what="the output" /> : p.items.length === 0 ? (
        <div class="card empty"><p>{active ? 'Nothing printed yet.' : 'The run printed nothing.'}</p></div>
      ) : (
        <div class="stdio" role="log" aria-label="stdout and stderr" tabIndex={0}>
          {p.items.map((l) => (
            <div key={l.seq} class={`stdio-line ${l.stream}`}>
              <span class="tag">{l.stream}</span>
              <span class="text">{l.line}</span>
            </div>
          ))}
        </div>
      )}
      {p.next && <div class="pager"><button type="button" onClick={p.more}>Load more</button></div>}
    </section>
  );
}

function OutputTab({ id, active }: { id: string; active: boolean }) {
  const p = usePaged<Schemas['OutputRow']>(`/runs/${id}/output`, active);
  const cols: string[] = [];
  for (const r of p.items) for (const k of Object.keys(r.row)) if (!cols.includes(k)) cols.push(k);
  const cell = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  return (
    <section aria-label="Output rows">
      {p.error && <ErrorBox error={p.error} />}
      {!p.done ? <Loading what="the output rows" /> : p.items.length === 0 ? (
        <div class="card empty"><p>{active ? 'No output rows yet.' : 'The run wrote no output rows.'}</p></div>
      ) : (
        <>
          <p class="small muted">{p.items.length} row{p.items.length === 1 ? '' : 's'}; nested values are flattened into columns (<code>price-amount</code>).</p>
          <div class="table-wrap">
            <table class="output-table">
              <thead><tr><th scope="col">#</th>{cols.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
              <tbody>{p.items.map((r, i) => <tr key={r.seq}><td>{i + 1}</td>{cols.map((c) => <td key={c}>{cell((r.row as Record<string, unknown>)[c])}</td>)}</tr>)}</tbody>
            </table>
          </div>
        </>
      )}
      {p.next && <div class="pager"><button type="button" onClick={p.more}>Load more</button></div>}
    </section>
  );
}
