// The release view of a version: the five steps as a vertical pipeline, each button enabled
// only when the API would accept it (with the reason when not), the live log of a running
// step, the failure and Retry of a failed one, Cancel, the Sync with prod dialog, access
// grants, Release / Unrelease, the releases with Rollback, and the transitions history.
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, get, idempotencyKey, post, api, type Schemas } from '../api/client';
import { Link } from '../router';
import { Dialog, ErrorBox, Field, Loading, PageTitle, Time, bytes, shortDigest, useAsync } from '../components/ui';
import { LogView } from '../components/logview';
import { VersionPicker } from '../components/versionPicker';

type Version = Schemas['VersionView'];
type Job = Schemas['Job'];
type Targets = { accounts: string[]; projects: string[]; sites: string[] };
/** Targets with every list present (the API omits empty ones). */
export const tg = (t: Schemas['Targets'] | null | undefined): Targets => ({ accounts: t?.accounts ?? [], projects: t?.projects ?? [], sites: t?.sites ?? [] });

const TRANSITIONAL = ['building', 'synchronizing-to-runtime', 'synchronizing-to-dev', 'synchronizing-to-prod', 'resynchronizing-to-prod'];
const REACHED: Record<string, number> = { built: 1, 'synchronized-to-runtime': 2, 'synchronized-to-dev': 3, 'synchronized-to-prod': 4 };

export function stateBadge(state: string) {
  const cls = TRANSITIONAL.includes(state) ? 'info' : state === 'synchronized-to-prod' ? 'ok' : state === 'updated' ? 'warn' : '';
  return <span class={`badge ${cls}`}>{state}</span>;
}

type StageKey = 'build' | 'sync-runtime' | 'sync-dev' | 'sync-prod' | 'access';
const STAGES: { key: StageKey; title: string; button: string; need: number }[] = [
  { key: 'build', title: 'Build', button: 'Build', need: 0 },
  { key: 'sync-runtime', title: 'Sync with runtime', button: 'Sync with runtime', need: 1 },
  { key: 'sync-dev', title: 'Sync with dev', button: 'Sync with dev', need: 2 },
  { key: 'sync-prod', title: 'Sync with prod', button: 'Sync with prod', need: 3 },
  { key: 'access', title: 'Enable access', button: 'Release', need: 4 },
];

/** Why the API would refuse to start `stage` now, or null when it would accept it. */
export function whyNot(stage: StageKey, v: Version): string | null {
  if (TRANSITIONAL.includes(v.state)) return `A step is running (version is ${v.state}).`;
  const reached = REACHED[v.state] ?? 0;
  switch (stage) {
    case 'build': {
      if (v.buildable) return null;
      const missing = v.steps.filter((s) => s.requirement === 'required' && !s.complete).map((s) => s.title);
      return `Complete the required setup steps first: ${missing.join(', ')}.`;
    }
    case 'sync-runtime': return reached >= 1 ? null : 'Build the version first.';
    case 'sync-dev': return reached >= 2 ? null : 'Sync with runtime first.';
    case 'sync-prod': return reached >= 3 ? null : 'Sync with dev first: production promotes what dev ran.';
    case 'access': return v.deployment.production ? null : 'Sync with prod first: access applies to a production release.';
  }
}

export function Release({ id, v }: { id: string; v: string }) {
  const conn = useAsync(() => get<Schemas['Connector']>(`/connectors/${id}`), [id]);
  const ver = useAsync(() => get<Version>(`/connectors/${id}/versions/${v}`), [id, v]);
  const jobs = useAsync(() => get<Schemas['JobList']>(`/connectors/${id}/versions/${v}/jobs`), [id, v]);
  const history = useAsync(() => get<Schemas['TransitionList']>(`/connectors/${id}/versions/${v}/transitions`), [id, v]);
  const releases = useAsync(() => get<Schemas['ReleaseList']>(`/connectors/${id}/versions/${v}/releases`), [id, v]);
  const [error, setError] = useState<Error | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [dialog, setDialog] = useState<null | 'prod' | 'release' | 'unrelease' | { rollback: Schemas['ReleaseView'] }>(null);
  const [openLog, setOpenLog] = useState<string | null>(null);
  const refresh = () => {
    ver.reload();
    jobs.reload();
    history.reload();
    releases.reload();
  };
  const active = ver.data?.deployment.active_job;
  // The log of a step seen running stays open after it ends (the user was watching it).
  useEffect(() => {
    if (active) setOpenLog(active);
  }, [active]);
  // While a step runs (or a job waits), everything is read again every 2 s so buttons follow.
  const busy = !!active || (jobs.data?.items ?? []).some((j) => j.status === 'pending' || j.status === 'running');
  useEffect(() => {
    if (!busy) return;
    const t = window.setInterval(refresh, 2000);
    return () => window.clearInterval(t);
  }, [busy]);
  if (conn.error) return <ErrorBox error={conn.error} retry={conn.reload} />;
  if (ver.error) return <ErrorBox error={ver.error} retry={ver.reload} />;
  if (!conn.data || !ver.data) return <Loading what="the release view" />;
  const c = conn.data;
  const version = ver.data;
  const base = `/connectors/${id}/versions/${version.number}`;
  const allJobs = [...(jobs.data?.items ?? [])].sort((a, b) => b.created_at.localeCompare(a.created_at));
  const latest = (stage: StageKey) => allJobs.find((j) => j.stage === stage);
  async function run(fn: () => Promise<unknown>, ok: string) {
    setError(null);
    setMessage(null);
    try {
      await fn();
      setMessage(ok);
    } catch (e) {
      setError(e as Error);
    }
    refresh();
  }
  const start = (stage: StageKey, body?: unknown) =>
    run(async () => {
      const job = await post<Job>(`${base}/${stage}`, body ?? {}, idempotencyKey());
      setOpenLog(job.id);
    }, `${STAGES.find((s) => s.key === stage)!.title} started.`);
  const d = version.deployment;
  return (
    <>
      <div class="crumbs"><Link href="/connectors">Connectors</Link> / <Link href={`/connectors/${id}`}>{c.name}</Link> / Version {version.number} release</div>
      <div class="page-head">
        <div>
          <PageTitle title={`Release ${c.name} v${version.number}`} />
          <p class="sub">State {stateBadge(version.state)} {d.main && <span class="badge info">main version</span>} {d.released && <span class="badge ok">released</span>}</p>
        </div>
        <div class="row">
          <VersionPicker id={id} current={version.number} suffix="release" />
          <Link class="button" href={`${base}/setup/details`}>Setup</Link>
          {d.dev && <Link class="button" href={`${base}/test-run`}>Test run</Link>}
          <Link class="button" href={`/connectors/${id}/runs?version=${version.number}`}>Runs</Link>
        </div>
      </div>
      {error && <ErrorBox error={error} />}
      <p role="status" class="status-line">{message}</p>
      <ol class="pipeline" aria-label="Release pipeline">
        {STAGES.map((s, i) => {
          const job = latest(s.key);
          const reached = REACHED[version.state] ?? 0;
          const done = s.key === 'access' ? d.released || (targetCount(tg(d.access.grants)) > 0) : reached > s.need || (s.key === 'sync-prod' && !!d.production);
          const runningHere = job && (job.status === 'running' || job.status === 'pending');
          const failedHere = job && job.status === 'failed' && !done;
          const cls = runningHere ? 'running' : failedHere ? 'failed' : done ? 'done' : '';
          const reason = whyNot(s.key, version);
          const reasonId = `why-${s.key}`;
          const showLog = job && (runningHere || openLog === job.id || failedHere);
          return (
            <li key={s.key} class={cls}>
              <span class="marker" aria-hidden="true">{done && !runningHere ? '✓' : failedHere ? '!' : i + 1}</span>
              <div class="step-card">
                <div class="row">
                  <h3>{s.title}</h3>
                  <span class="badge">{runningHere ? 'running' : failedHere ? 'failed' : done ? 'done' : 'not yet'}</span>
                  <span class="spacer" />
                  {s.key === 'access' ? (
                    <>
                      <button type="button" class="primary" disabled={!!reason || d.released} aria-describedby={reason ? reasonId : undefined} onClick={() => setDialog('release')}>Release</button>
                      <button type="button" disabled={!!reason || !d.released} aria-describedby={reason ? reasonId : undefined} onClick={() => setDialog('unrelease')}>Unrelease</button>
                    </>
                  ) : (
                    <button type="button" class="primary" disabled={!!reason} aria-describedby={reason ? reasonId : undefined} onClick={() => (s.key === 'sync-prod' ? setDialog('prod') : void start(s.key))}>{s.button}</button>
                  )}
                  {runningHere && <button type="button" class="danger" onClick={() => run(() => post(`/jobs/${job.id}/cancel`), `${s.title} cancelled.`)}>Cancel</button>}
                  {failedHere && <button type="button" onClick={() => run(async () => { const j = await post<Job>(`/jobs/${job.id}/retry`); setOpenLog(j.id); }, `${s.title} retried.`)}>Retry</button>}
                </div>
                {reason && <p class="reason" id={reasonId}>{reason}</p>}
                {!reason && s.key === 'access' && <p class="reason">{d.released ? 'Released to everyone in the targets: Unrelease hides it from new users.' : 'Not released: Release makes it available to everyone in the production targets.'}</p>}
                <StageFacts stage={s.key} v={version} />
                {failedHere && <p class="error" role="alert">Failed: {job.reason ?? 'no reason recorded'}{job.exit_code != null ? ` (exit code ${job.exit_code})` : ''}</p>}
                {job && (
                  <p class="small muted">
                    Last job {job.status}, <Time at={job.created_at} />
                    {!showLog && <> · <button class="link" type="button" onClick={() => setOpenLog(job.id)}>Show log</button></>}
                  </p>
                )}
                {s.key === 'access' && !reason && <AccessGrants v={version} base={base} onDone={refresh} />}
                {showLog && <LogView key={job.id} jobId={job.id} onFinished={refresh} />}
              </div>
            </li>
          );
        })}
      </ol>
      <h2>Production releases</h2>
      {releases.error ? <ErrorBox error={releases.error} /> : !releases.data ? <Loading what="releases" /> : releases.data.items.length === 0 ? <p class="muted">No production release yet.</p> : (
        <div class="table-wrap">
          <table class="cards-sm">
            <thead><tr><th scope="col">Release</th><th scope="col">When</th><th scope="col">Image</th><th scope="col">Targets</th><th scope="col"></th></tr></thead>
            <tbody>
              {releases.data.items.map((r) => {
                const current = d.production?.release_id === r.release_id;
                return (
                  <tr key={r.release_id}>
                    <td><code>{r.release_id.slice(0, 8)}</code> {current && <span class="badge ok">Current</span>}</td>
                    <td><Time at={r.released_at} /></td>
                    <td><code>{shortDigest(r.digest)}</code> · commit <code>{r.commit.slice(0, 8)}</code></td>
                    <td class="small">{targetsText(r.targets)}</td>
                    <td>{!current && <button type="button" disabled={TRANSITIONAL.includes(version.state)} onClick={() => setDialog({ rollback: r })}>Rollback</button>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <h2>History</h2>
      {history.error ? <ErrorBox error={history.error} /> : !history.data ? <Loading what="history" /> : history.data.items.length === 0 ? <p class="muted">No transitions yet.</p> : (
        <div class="table-wrap">
          <table class="cards-sm">
            <thead><tr><th scope="col">When</th><th scope="col">From → to</th><th scope="col">Who</th><th scope="col">Why</th></tr></thead>
            <tbody>
              {[...history.data.items].reverse().map((t, i) => (
                <tr key={i}>
                  <td><Time at={t.at} /></td>
                  <td><code>{t.from}</code> → <code>{t.to}</code></td>
                  <td class="small">{actorText(t.by)}</td>
                  <td class="small">{t.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dialog === 'prod' && <SyncProdDialog c={c} v={version} onClose={() => setDialog(null)} onSubmit={(targets) => { setDialog(null); void start('sync-prod', { targets }); }} />}
      <Dialog title={`Release ${c.name} v${version.number}?`} open={dialog === 'release'} onClose={() => setDialog(null)}>
        <p>Everyone inside the production targets will be able to use version {version.number}. Specific grants are replaced by the global release.</p>
        <div class="actions">
          <button type="button" onClick={() => setDialog(null)}>Cancel</button>
          <button type="button" class="primary" onClick={() => { setDialog(null); void run(() => post(`${base}/release`, {}, idempotencyKey()), 'Release requested.'); }}>Release</button>
        </div>
      </Dialog>
      <Dialog title={`Unrelease ${c.name} v${version.number}?`} open={dialog === 'unrelease'} onClose={() => setDialog(null)}>
        <p>New users will no longer see version {version.number}; sites already using it keep working.</p>
        <div class="actions">
          <button type="button" onClick={() => setDialog(null)}>Cancel</button>
          <button type="button" class="danger solid" onClick={() => { setDialog(null); void run(() => post(`${base}/unrelease`, {}, idempotencyKey()), 'Unrelease requested.'); }}>Unrelease</button>
        </div>
      </Dialog>
      {dialog && typeof dialog === 'object' && (
        <RollbackDialog r={dialog.rollback} onClose={() => setDialog(null)} onSubmit={(reason) => { const r = dialog.rollback; setDialog(null); void run(() => post(`${base}/rollback`, { release_id: r.release_id, reason }, idempotencyKey()), `Rolling back to release ${r.release_id.slice(0, 8)}.`); }} />
      )}
    </>
  );
}

function actorText(by: unknown): string {
  if (by && typeof by === 'object') {
    const o = by as Record<string, unknown>;
    return String(o.user_id ?? o.email ?? o.kind ?? Object.values(o)[0] ?? '');
  }
  return String(by ?? '');
}

export const targetCount = (t: Targets) => t.accounts.length + t.projects.length + t.sites.length;

export function targetsText(t0: Schemas['Targets']): string {
  const t = tg(t0);
  const parts = [
    t.accounts.length ? `accounts ${t.accounts.join(', ')}` : '',
    t.projects.length ? `projects ${t.projects.join(', ')}` : '',
    t.sites.length ? `sites ${t.sites.join(', ')}` : '',
  ].filter(Boolean);
  return parts.join('; ') || 'none';
}

function StageFacts({ stage, v }: { stage: StageKey; v: Version }) {
  const d = v.deployment;
  switch (stage) {
    case 'build':
      return d.image ? (
        <dl class="kv">
          <dt>Image</dt><dd><code title={d.image.digest}>{shortDigest(d.image.digest)}</code> ({bytes(d.image.size_bytes)})</dd>
          <dt>Commit</dt><dd><code>{d.image.commit.slice(0, 12)}</code></dd>
          <dt>Built</dt><dd><Time at={d.image.built_at} /></dd>
        </dl>
      ) : null;
    case 'sync-runtime':
      return d.runtime ? <dl class="kv"><dt>Runtime runs</dt><dd><code>{shortDigest(d.runtime.digest)}</code></dd></dl> : null;
    case 'sync-dev':
      return d.dev ? (
        <dl class="kv"><dt>Dev site</dt><dd>{d.dev.site_id} (project {d.dev.project_id}, account {d.dev.account_id})</dd><dt>Dev runs</dt><dd><code>{shortDigest(d.dev.digest)}</code></dd></dl>
      ) : null;
    case 'sync-prod':
      return d.production ? (
        <dl class="kv">
          <dt>Live release</dt><dd><code>{d.production.release_id.slice(0, 8)}</code>, <Time at={d.production.released_at} /></dd>
          <dt>Production runs</dt><dd><code>{shortDigest(d.production.digest)}</code></dd>
          <dt>Targets</dt><dd>{targetsText(d.production.targets)}</dd>
        </dl>
      ) : null;
    case 'access':
      return d.production ? (
        <dl class="kv">
          <dt>Released</dt><dd>{d.released ? 'yes, to everyone in the targets' : d.access.unreleased ? 'unreleased (hidden from new users)' : 'no'}</dd>
          <dt>Grants</dt><dd>{targetsText(d.access.grants)}</dd>
        </dl>
      ) : null;
  }
}

function useDirectory() {
  return useAsync(async () => {
    const [a, p, s] = await Promise.all([
      get<Schemas['AccountList']>('/accounts'),
      get<Schemas['ProjectList']>('/projects'),
      get<Schemas['SiteList']>('/sites'),
    ]);
    return { accounts: a.items, projects: p.items, sites: s.items };
  }, []);
}

function TargetPicker({ value, onChange, only: only0 }: { value: Targets; onChange: (t: Targets) => void; only?: Schemas['Targets'] }) {
  const only = only0 ? tg(only0) : undefined;
  const dir = useDirectory();
  if (dir.error) return <ErrorBox error={dir.error} retry={dir.reload} />;
  if (!dir.data) return <Loading what="accounts, projects and sites" />;
  const toggle = (k: keyof Targets, id: string, on: boolean) => onChange({ ...value, [k]: on ? [...value[k], id] : value[k].filter((x) => x !== id) });
  const group = (k: keyof Targets, legend: string, items: { id: string; name: string }[]) => (
    <fieldset>
      <legend>{legend}</legend>
      {items.length === 0 && <p class="muted small">None.</p>}
      {items.map((x) => (
        <label class="check" key={x.id}>
          <input type="checkbox" checked={value[k].includes(x.id)} onChange={(e) => toggle(k, x.id, e.currentTarget.checked)} /> {x.name} <span class="muted small">({x.id})</span>
        </label>
      ))}
    </fieldset>
  );
  const inside = (kind: keyof Targets, x: { id: string; account_id?: string; project_id?: string }) => {
    if (!only) return true;
    return only[kind].includes(x.id) || (!!x.account_id && only.accounts.includes(x.account_id)) || (!!x.project_id && only.projects.includes(x.project_id));
  };
  return (
    <>
      {group('accounts', 'Accounts', dir.data.accounts.filter((x) => inside('accounts', x)))}
      {group('projects', 'Projects', dir.data.projects.filter((x) => inside('projects', x)))}
      {group('sites', 'Sites', dir.data.sites.filter((x) => x.kind === 'production' && inside('sites', x)))}
    </>
  );
}

function SyncProdDialog({ c, v, onClose, onSubmit }: { c: Schemas['Connector']; v: Version; onClose: () => void; onSubmit: (t: Targets) => void }) {
  const [t, setT] = useState<Targets>(tg(v.deployment.production?.targets));
  const empty = targetCount(t) === 0;
  return (
    <Dialog title={`Sync ${c.name} v${v.number} with production`} open onClose={onClose}>
      <form onSubmit={(e) => { e.preventDefault(); if (!empty) onSubmit(t); }}>
        <p>Promotes the image dev ran ({shortDigest(v.deployment.dev?.digest)}) with the current configuration. The live release keeps serving until the new one is complete.</p>
        <TargetPicker value={t} onChange={setT} />
        {empty && <p class="reason">Choose at least one account, project or site.</p>}
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={empty}>Sync with prod</button>
        </div>
      </form>
    </Dialog>
  );
}

function AccessGrants({ v, base, onDone }: { v: Version; base: string; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [t, setT] = useState<Targets>(tg(v.deployment.access.grants));
  const [err, setErr] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div>
      <button type="button" onClick={() => setOpen(true)}>Access grants…</button>
      <Dialog title="Access grants" open={open} onClose={() => setOpen(false)}>
        <form onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setErr(null);
          try {
            await api('PUT', `${base}/access`, t, { headers: idempotencyKey() });
            setOpen(false);
            onDone();
          } catch (x) {
            setErr(x as ApiFailure);
          } finally {
            setBusy(false);
          }
        }}>
          <p>Grant access to accounts, projects or sites inside the production targets.</p>
          {err && <div class="alert" role="alert">{err.message}{err.fields.map((f) => <div key={f.field}>{f.message}</div>)}</div>}
          <TargetPicker value={t} onChange={setT} {...(v.deployment.production ? { only: v.deployment.production.targets } : {})} />
          <div class="actions">
            <button type="button" onClick={() => setOpen(false)}>Cancel</button>
            <button type="submit" class="primary" disabled={busy}>Save grants</button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}

function RollbackDialog({ r, onClose, onSubmit }: { r: Schemas['ReleaseView']; onClose: () => void; onSubmit: (reason: string) => void }) {
  const [reason, setReason] = useState('');
  const [err, setErr] = useState<string | undefined>();
  return (
    <Dialog title={`Roll back to release ${r.release_id.slice(0, 8)}?`} open onClose={onClose}>
      <form onSubmit={(e) => { e.preventDefault(); if (!reason.trim()) { setErr('Say why you roll back (kept in the history).'); return; } onSubmit(reason.trim()); }}>
        <p>Production switches back to release <code>{r.release_id}</code>: image <code>{shortDigest(r.digest)}</code>, commit <code>{r.commit.slice(0, 12)}</code>, released <Time at={r.released_at} />. Nothing is rebuilt.</p>
        <Field label="Reason" error={err}>{(a) => <textarea {...a} rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />}</Field>
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="danger solid">Rollback</button>
        </div>
      </form>
    </Dialog>
  );
}
