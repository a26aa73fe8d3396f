// The setup wizard of a version: a side rail of the seven steps (complete / required /
// optional for this connector's type), each step a form that saves on its own with the
// server's field errors at their fields, an unsaved-changes guard, Test connection, the
// individual-configuration editor with a live preview, the execution preview, the logo.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiFailure, get, patch, post, put, type Schemas } from '../api/client';
import { Link, setNavigationGuard } from '../router';
import { ErrorBox, ErrorSummary, Field, Loading, useAsync, useId } from '../components/ui';
import { Logo } from '../components/logo';
import { FLOWS, MODES, typeLabel } from './connectors';
import { me } from '../app';
import { EndUserForm, FIELD_TYPES, type FormFieldDraft } from '../components/endUserForm';
import { VersionPicker } from '../components/versionPicker';

type Version = Schemas['VersionView'];
type Connector = Schemas['Connector'];
type StepStatus = Schemas['StepStatus'];

const STEP_PATH: Record<string, string> = {
  details: 'details', vcs: 'vcs', application: 'application', auth: 'auth', individual: 'individual', execution: 'execution', 'type-specific': 'type-specific',
};

/** The unsaved-changes guard: set while a step's form differs from what was saved. */
let dirty = false;
function setDirty(d: boolean) {
  dirty = d;
}
const guard = () => {
  if (!dirty) return true;
  // Leaving keeps the draft (restored on return); the next step starts clean.
  const leave = window.confirm('You have unsaved changes on this step. Leave without saving? (They are kept as a draft.)');
  if (leave) setDirty(false);
  return leave;
};

export function Wizard({ id, v, step }: { id: string; v: string; step: string }) {
  const conn = useAsync(() => get<Connector>(`/connectors/${id}`), [id]);
  const ver = useAsync(() => get<Version>(`/connectors/${id}/versions/${v}`), [id, v]);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setNavigationGuard(guard);
    const before = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', before);
    return () => {
      setNavigationGuard(null);
      window.removeEventListener('beforeunload', before);
      setDirty(false);
    };
  }, []);
  const steps = (ver.data?.steps ?? []).filter((s) => s.requirement !== 'not_applicable');
  const index = steps.findIndex((s) => s.step === step);
  const current = steps[index];
  useEffect(() => {
    if (current && conn.data) document.title = `Step ${index + 1} of ${steps.length} — ${current.title} — ${conn.data.name}`;
  }, [current?.title, conn.data?.name, index, steps.length]);
  useEffect(() => {
    heading.current?.focus();
  }, [step, !!current]);
  if (conn.error) return <ErrorBox error={conn.error} retry={conn.reload} />;
  if (ver.error) return <ErrorBox error={ver.error} retry={ver.reload} />;
  if (!conn.data || !ver.data) return <Loading what="the setup" />;
  const c = conn.data;
  const version = ver.data;
  const base = `/connectors/${id}/versions/${version.number}`;
  const refresh = () => {
    ver.reload();
    conn.reload();
  };
  return (
    <>
      <div class="crumbs"><Link href="/connectors">Connectors</Link> / <Link href={`/connectors/${id}`}>{c.name}</Link> / Version {version.number} setup</div>
      <div class="page-head">
        <div>
          <h1 tabIndex={-1} ref={heading}>{current ? current.title : 'Setup'}</h1>
          <p class="sub">{c.name} · version {version.number} · {typeLabel(c.type)} · state <code>{version.state}</code></p>
        </div>
        <div class="row">
          <VersionPicker id={id} current={version.number} suffix={`setup/${step}`} />
          <Link class="button primary" href={`${base}/release`}>Release</Link>
        </div>
      </div>
      <div class="wizard">
        <nav class="rail" aria-label="Setup steps">
          <ol>
            {steps.map((s, i) => <RailItem key={s.step} s={s} n={i + 1} href={`${base}/setup/${STEP_PATH[s.step] ?? s.step}`} current={s.step === step} />)}
          </ol>
          <p class="small muted">{version.buildable ? 'Every required step is complete: the version can be built.' : 'Complete the required steps to build this version.'}</p>
        </nav>
        <section aria-labelledby="step-h" class="card">
          <h2 id="step-h" class="skip">{current?.title}</h2>
          {!current ? (
            <p>This step does not exist for this connector. <Link href={`${base}/setup/details`}>Go to Connector details</Link>.</p>
          ) : (
            <StepBody key={`${step}:${version.number}`} step={step} c={c} version={version} status={current} base={base} onSaved={refresh} />
          )}
          {current && index < steps.length - 1 && (
            <p class="small"><Link href={`${base}/setup/${STEP_PATH[steps[index + 1]!.step]}`}>Next: {steps[index + 1]!.title} →</Link></p>
          )}
        </section>
      </div>
    </>
  );
}

function RailItem({ s, n, href, current }: { s: StepStatus; n: number; href: string; current: boolean }) {
  const req = s.requirement === 'required' ? 'Required' : s.requirement === 'optional' ? 'Optional' : 'Review';
  return (
    <li class={s.complete ? 'complete' : ''}>
      <Link href={href} aria-current={current ? 'step' : undefined}>
        <span class="dot" aria-hidden="true">{s.complete ? '✓' : n}</span>
        <span>{s.title}<span class="skip">{s.complete ? ', complete' : ', not complete'}</span></span>
        <span class={`badge req ${s.requirement === 'required' && !s.complete ? 'warn' : ''}`}>{req}</span>
      </Link>
    </li>
  );
}

type StepProps = { step: string; c: Connector; version: Version; status: StepStatus; base: string; onSaved: () => void };

function StepBody(p: StepProps) {
  switch (p.step) {
    case 'details': return <DetailsStep {...p} />;
    case 'vcs': return <VcsStep {...p} />;
    case 'application': return <ApplicationStep {...p} />;
    case 'auth': return <AuthStep {...p} />;
    case 'individual': return <IndividualStep {...p} />;
    case 'execution': return <ExecutionStep {...p} />;
    case 'type-specific': return <TypeSpecificStep {...p} />;
    default: return null;
  }
}

/** Drafts of unsaved steps, kept for the browser session so typed values survive leaving the
 * step and a reload. Secret fields (`token`) are never kept. */
const DRAFTS = 'devportal.drafts';
function readDraft(key: string): unknown {
  try {
    return (JSON.parse(sessionStorage.getItem(DRAFTS) ?? '{}') as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}
function writeDraft(key: string, value: unknown) {
  try {
    const all = JSON.parse(sessionStorage.getItem(DRAFTS) ?? '{}') as Record<string, unknown>;
    if (value === undefined) delete all[key];
    else all[key] = value;
    sessionStorage.setItem(DRAFTS, JSON.stringify(all));
  } catch {
    // storage refused: the draft lives only on this screen
  }
}
const withoutSecrets = (f: object) => Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'token'));

/** A step's form state: the draft, dirty tracking, save with errors kept per field. */
function useStepForm<T extends object>(initial: T, draftKey: string) {
  const [restored] = useState(() => {
    const d = readDraft(draftKey);
    return d && typeof d === 'object' ? ({ ...initial, ...(d as object) } as T) : null;
  });
  const [form, setFormState] = useState<T>(restored ?? initial);
  const [error, setError] = useState<ApiFailure | Error | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [hasDraft, setHasDraft] = useState(!!restored);
  useEffect(() => {
    if (restored) setDirty(true);
  }, []);
  const setForm = (f: T) => {
    setFormState(f);
    setSaved(null);
    setDirty(true);
    writeDraft(draftKey, withoutSecrets(f));
  };
  const discard = () => {
    writeDraft(draftKey, undefined);
    setFormState(initial);
    setHasDraft(false);
    setDirty(false);
    setError(null);
  };
  const set = (k: keyof T) => (e: Event) => {
    const t = e.currentTarget as HTMLInputElement;
    setForm({ ...form, [k]: t.type === 'checkbox' ? t.checked : t.value });
  };
  async function save(fn: () => Promise<unknown>, okMessage = 'Saved.') {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      await fn();
      setDirty(false);
      writeDraft(draftKey, undefined);
      setHasDraft(false);
      setSaved(okMessage);
      return true;
    } catch (e) {
      setError(e as Error);
      return false;
    } finally {
      setBusy(false);
    }
  }
  const err = (f: string) => (error instanceof ApiFailure ? error.field(f) : undefined);
  const draftNotice = hasDraft ? (
    <div class="notice row" role="status">
      <span>Your unsaved changes to this step were restored.</span>
      <button type="button" onClick={discard}>Discard changes</button>
    </div>
  ) : null;
  return { form, setForm, set, error, saved, busy, save, err, draftNotice };
}

function SaveBar({ busy, saved, children }: { busy: boolean; saved: string | null; children?: ComponentChildren }) {
  return (
    <div class="row">
      <button class="primary" type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>
      {children}
      <span role="status" class="status-line">{saved && <span class="badge ok">{saved}</span>}</span>
    </div>
  );
}

function DetailsStep({ c, onSaved }: StepProps) {
  const f = useStepForm({ name: c.name, description: c.description, readme: c.readme }, `${c.id}:details`);
  const [logoError, setLogoError] = useState<string | null>(null);
  const [logoBust, setLogoBust] = useState(0);
  const [logoMsg, setLogoMsg] = useState<string | null>(null);
  const [localPreview, setLocalPreview] = useState<string | null>(null);
  const orgName = me.value?.organizations.find((o) => o.id === c.owner)?.name ?? c.owner;
  async function upload(file: File) {
    setLogoError(null);
    setLogoMsg(null);
    if (localPreview) URL.revokeObjectURL(localPreview);
    setLocalPreview(URL.createObjectURL(file));
    try {
      await api('PUT', `/connectors/${c.id}/logo`, undefined, { raw: await file.text(), contentType: 'image/svg+xml' });
      setLogoBust(logoBust + 1);
      setLogoMsg('Logo uploaded (sanitised by the portal).');
      setLocalPreview(null);
      onSaved();
    } catch (e) {
      setLogoError((e as Error).message);
    }
  }
  return (
    <form noValidate onSubmit={(e) => { e.preventDefault(); void f.save(async () => { await patch(`/connectors/${c.id}`, { ...f.form, revision: c.revision }); onSaved(); }); }}>
      {f.draftNotice}
      <ErrorSummary error={f.error} labels={{ name: 'Name', description: 'Description', readme: 'Readme' }} />
      <Field label="Name" error={f.err('name')}>{(a) => <input {...a} data-field="name" value={f.form.name} onInput={f.set('name')} />}</Field>
      <Field label="Description" error={f.err('description')}>{(a) => <textarea {...a} data-field="description" rows={2} value={f.form.description} onInput={f.set('description')} />}</Field>
      <Field label="Readme" error={f.err('readme')} hint="Markdown shown to end-users.">{(a) => <textarea {...a} data-field="readme" rows={5} value={f.form.readme} onInput={f.set('readme')} />}</Field>
      <fieldset>
        <legend>Logo</legend>
        <div class="row">
          {localPreview ? <img class="logo-preview" src={localPreview} alt="Logo preview" /> : <Logo connector={c} large bust={logoBust} />}
          <Field label="Logo (SVG)" error={logoError ?? undefined} hint="An SVG image up to 64 KiB; scripts and external references are removed.">
            {(a) => <input {...a} type="file" accept="image/svg+xml,.svg" onChange={(e) => { const file = e.currentTarget.files?.[0]; if (file) void upload(file); }} />}
          </Field>
        </div>
        <p role="status" class="small">{logoMsg}</p>
      </fieldset>
      <dl class="kv">
        <dt>Type</dt><dd>{typeLabel(c.type)} <span class="badge">locked</span></dd>
        <dt>Flow</dt><dd>{FLOWS.find(([v]) => v === c.flow)?.[1]} <span class="badge">locked</span></dd>
        <dt>Execution mode</dt><dd>{MODES.find(([v]) => v === c.execution_mode)?.[1]} <span class="badge">locked</span></dd>
        <dt>Owner</dt><dd>{orgName} <span class="badge">locked</span></dd>
      </dl>
      <SaveBar busy={f.busy} saved={f.saved} />
    </form>
  );
}

function VcsStep({ c, version, onSaved }: StepProps) {
  const vcs = version.configuration.vcs;
  const f = useStepForm({ authorization: vcs?.authorization ?? 'public', url: vcs?.url ?? '', branch: vcs?.branch ?? 'main', username: vcs?.username ?? '', token: '' }, `${c.id}:${version.number}:vcs`);
  const [test, setTest] = useState<{ busy: boolean; text: string | null; ok?: boolean }>({ busy: false, text: null });
  const base = `/connectors/${c.id}/versions/${version.number}`;
  async function testConnection() {
    setTest({ busy: true, text: 'Testing the connection…' });
    try {
      const r = await post<Schemas['VcsTestView']>(`${base}/vcs/test`);
      setTest({ busy: false, ok: r.ok, text: r.ok ? `Connection works: branch ${r.branch} of ${r.url} is readable (head ${r.commit?.slice(0, 12) ?? 'unknown'}).` : `Connection failed: ${r.reason ?? 'the branch cannot be read'}.` });
    } catch (e) {
      setTest({ busy: false, ok: false, text: `Connection test failed: ${(e as Error).message}` });
    }
  }
  const basic = f.form.authorization === 'basic';
  return (
    <form noValidate onSubmit={(e) => {
      e.preventDefault();
      const body: Record<string, unknown> = { authorization: f.form.authorization, url: f.form.url, branch: f.form.branch || 'main', revision: version.revision };
      if (basic) {
        body.username = f.form.username;
        if (f.form.token) body.token = f.form.token;
      }
      void f.save(async () => { await put(`${base}/steps/vcs`, body); f.setForm({ ...f.form, token: '' }); setDirty(false); onSaved(); });
    }}>
      {f.draftNotice}
      <ErrorSummary error={f.error} labels={{ authorization: 'Authorization', url: 'Repository URL', branch: 'Branch', username: 'Username', token: 'Token' }} />
      <Field label="Authorization" error={f.err('authorization')}>
        {(a) => (
          <select {...a} data-field="authorization" value={f.form.authorization} onChange={f.set('authorization')}>
            <option value="public">Public (no credentials)</option>
            <option value="basic">Basic (username and token)</option>
            <option value="deploy-key">Deploy key (SSH)</option>
          </select>
        )}
      </Field>
      <Field label="Repository URL" error={f.err('url')} hint={f.form.authorization === 'deploy-key' ? 'e.g. git@github.com:org/repo.git' : 'e.g. https://github.com/org/repo.git'}>
        {(a) => <input {...a} data-field="url" type="text" inputMode="url" value={f.form.url} onInput={f.set('url')} spellcheck={false} />}
      </Field>
      <Field label="Branch" error={f.err('branch')}>{(a) => <input {...a} data-field="branch" value={f.form.branch} onInput={f.set('branch')} spellcheck={false} />}</Field>
      {basic && (
        <>
          <Field label="Username" error={f.err('username')}>{(a) => <input {...a} data-field="username" value={f.form.username} onInput={f.set('username')} autoComplete="off" />}</Field>
          <Field label="Token" error={f.err('token')} hint={vcs?.has_token ? 'A token is stored. Leave empty to keep it; type a new one to replace it.' : 'Stored as a secret; never shown again.'}>
            {(a) => <input {...a} data-field="token" type="password" value={f.form.token} onInput={f.set('token')} autoComplete="new-password" />}
          </Field>
        </>
      )}
      {vcs?.deploy_key_public && (
        <div class="field">
          <p><strong>Deploy key (public half)</strong> — add it to the repository as a read-only deploy key:</p>
          <pre class="block">{vcs.deploy_key_public}</pre>
        </div>
      )}
      <SaveBar busy={f.busy} saved={f.saved}>
        <button type="button" onClick={testConnection} disabled={test.busy || !vcs}>Test connection</button>
      </SaveBar>
      <p role="status" class={`status-line ${test.ok === false ? 'error' : ''}`}>{test.text}</p>
    </form>
  );
}

function ApplicationStep({ c, version, onSaved }: StepProps) {
  const a0 = version.configuration.application;
  const f = useStepForm({ command: a0?.command ?? '', arguments: a0?.arguments ?? '', health_check: a0?.health_check ?? '' }, `${c.id}:${version.number}:application`);
  const base = `/connectors/${c.id}/versions/${version.number}`;
  return (
    <form noValidate onSubmit={(e) => { e.preventDefault(); void f.save(async () => { await put(`${base}/steps/application`, { ...f.form, revision: version.revision }); onSaved(); }); }}>
      {f.draftNotice}
      <ErrorSummary error={f.error} labels={{ command: 'Command', arguments: 'Arguments', health_check: 'Health check' }} />
      <Field label="Command" error={f.err('command')} hint="The program to run, e.g. python.">{(a) => <input {...a} data-field="command" value={f.form.command} onInput={f.set('command')} spellcheck={false} />}</Field>
      <Field label="Arguments" error={f.err('arguments')} hint="e.g. main.py run">{(a) => <input {...a} data-field="arguments" value={f.form.arguments} onInput={f.set('arguments')} spellcheck={false} />}</Field>
      <Field label="Health check" error={f.err('health_check')} hint="Extra arguments for the build-time health check, e.g. --health-check (5 s limit, exit 0 required).">
        {(a) => <input {...a} data-field="health_check" value={f.form.health_check} onInput={f.set('health_check')} spellcheck={false} />}
      </Field>
      <SaveBar busy={f.busy} saved={f.saved} />
    </form>
  );
}

const csv = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

function AuthStep({ c, version, onSaved }: StepProps) {
  const cfg = version.configuration.auth;
  type AuthRow = { name: string; kind: string; label: string; fields: string; authorize_url: string; token_url: string; scopes: string };
  type SecretRow = { path: string; fields: string };
  const f = useStepForm<{ auths: AuthRow[]; secrets: SecretRow[] }>({
    auths: (cfg.authentications ?? []).map((r) => {
      const x = r as unknown as Record<string, unknown>;
      return { name: String(x.name ?? ''), kind: String(x.kind ?? 'credentials'), label: String(x.label ?? ''), fields: ((x.fields as string[]) ?? []).join(', '), authorize_url: String(x.authorize_url ?? ''), token_url: String(x.token_url ?? ''), scopes: ((x.scopes as string[]) ?? []).join(', ') };
    }),
    secrets: (cfg.secrets ?? []).map((s) => ({ path: s.path, fields: s.fields.join(', ') })),
  }, `${c.id}:${version.number}:auth`);
  const base = `/connectors/${c.id}/versions/${version.number}`;
  const setAuth = (i: number, k: keyof AuthRow, v: string) => f.setForm({ ...f.form, auths: f.form.auths.map((r, j) => (j === i ? { ...r, [k]: v } : r)) });
  const setSecret = (i: number, k: keyof SecretRow, v: string) => f.setForm({ ...f.form, secrets: f.form.secrets.map((r, j) => (j === i ? { ...r, [k]: v } : r)) });
  return (
    <form noValidate onSubmit={(e) => {
      e.preventDefault();
      const authentications = f.form.auths.map((r) => {
        const o: Record<string, unknown> = { name: r.name, kind: r.kind, label: r.label, fields: csv(r.fields) };
        if (r.kind === 'oauth2') {
          o.authorize_url = r.authorize_url || null;
          o.token_url = r.token_url || null;
          o.scopes = csv(r.scopes);
        }
        return o;
      });
      const secrets = f.form.secrets.map((s) => ({ path: s.path, fields: csv(s.fields) }));
      void f.save(async () => { await put(`${base}/steps/auth`, { authentications, secrets, revision: version.revision }); onSaved(); });
    }}>
      {f.draftNotice}
      <ErrorSummary error={f.error} />
      <p class="sub">Optional. Values are never stored here, only references: end-users pick their credentials; secret values live in the vault.</p>
      <h3>Authentication registrations</h3>
      {f.form.auths.map((r, i) => (
        <fieldset key={i}>
          <legend>Authentication {i + 1}</legend>
          <Field label="Name" error={f.err(`authentications[${i}].name`)}>{(a) => <input {...a} data-field="authentications" value={r.name} onInput={(e) => setAuth(i, 'name', e.currentTarget.value)} />}</Field>
          <Field label="Kind">{(a) => <select {...a} value={r.kind} onChange={(e) => setAuth(i, 'kind', e.currentTarget.value)}><option value="credentials">Credentials</option><option value="oauth2">OAuth 2</option></select>}</Field>
          <Field label="Label">{(a) => <input {...a} value={r.label} onInput={(e) => setAuth(i, 'label', e.currentTarget.value)} />}</Field>
          <Field label="Fields" hint="Comma-separated, e.g. api_key, shop" error={f.err(`authentications[${i}].fields`)}>{(a) => <input {...a} value={r.fields} onInput={(e) => setAuth(i, 'fields', e.currentTarget.value)} />}</Field>
          {r.kind === 'oauth2' && (
            <>
              <Field label="Authorize URL" error={f.err(`authentications[${i}].authorize_url`)}>{(a) => <input {...a} value={r.authorize_url} onInput={(e) => setAuth(i, 'authorize_url', e.currentTarget.value)} />}</Field>
              <Field label="Token URL" error={f.err(`authentications[${i}].token_url`)}>{(a) => <input {...a} value={r.token_url} onInput={(e) => setAuth(i, 'token_url', e.currentTarget.value)} />}</Field>
              <Field label="Scopes" hint="Comma-separated">{(a) => <input {...a} value={r.scopes} onInput={(e) => setAuth(i, 'scopes', e.currentTarget.value)} />}</Field>
            </>
          )}
          <button type="button" class="danger" onClick={() => f.setForm({ ...f.form, auths: f.form.auths.filter((_, j) => j !== i) })}>Remove authentication {i + 1}</button>
        </fieldset>
      ))}
      <p><button type="button" onClick={() => f.setForm({ ...f.form, auths: [...f.form.auths, { name: '', kind: 'credentials', label: '', fields: '', authorize_url: '', token_url: '', scopes: '' }] })}>Add authentication</button></p>
      <h3>Secret registrations</h3>
      {f.form.secrets.map((s, i) => (
        <fieldset key={i}>
          <legend>Secret {i + 1}</legend>
          <Field label="Vault path" error={f.err(`secrets[${i}].path`)}>{(a) => <input {...a} data-field="secrets" value={s.path} onInput={(e) => setSecret(i, 'path', e.currentTarget.value)} placeholder="shops/acme/api" />}</Field>
          <Field label="Fields" hint="Comma-separated" error={f.err(`secrets[${i}].fields`)}>{(a) => <input {...a} value={s.fields} onInput={(e) => setSecret(i, 'fields', e.currentTarget.value)} />}</Field>
          <button type="button" class="danger" onClick={() => f.setForm({ ...f.form, secrets: f.form.secrets.filter((_, j) => j !== i) })}>Remove secret {i + 1}</button>
        </fieldset>
      ))}
      <p><button type="button" onClick={() => f.setForm({ ...f.form, secrets: [...f.form.secrets, { path: '', fields: '' }] })}>Add secret</button></p>
      <SaveBar busy={f.busy} saved={f.saved} />
    </form>
  );
}

function IndividualStep({ c, version, onSaved }: StepProps) {
  const f = useStepForm<{ fields: FormFieldDraft[] }>({
    fields: [...version.configuration.individual.fields].sort((a, b) => a.order - b.order).map((x) => ({
      key: x.key, type: x.type, label: x.label, required: x.required, placeholder: x.placeholder, description: x.description, default: x.default ?? '', options: x.options.join(', '),
    })),
  }, `${c.id}:${version.number}:individual`);
  const base = `/connectors/${c.id}/versions/${version.number}`;
  const setF = (i: number, patchRow: Partial<FormFieldDraft>) => f.setForm({ fields: f.form.fields.map((r, j) => (j === i ? { ...r, ...patchRow } : r)) });
  const move = (i: number, d: number) => {
    const a = [...f.form.fields];
    const [x] = a.splice(i, 1);
    a.splice(i + d, 0, x!);
    f.setForm({ fields: a });
  };
  return (
    <div class="two-col">
      <form noValidate onSubmit={(e) => {
        e.preventDefault();
        const fields = f.form.fields.map((r, i) => {
          const o: Record<string, unknown> = { key: r.key, type: r.type, label: r.label, required: r.required, placeholder: r.placeholder, description: r.description, order: i };
          if (r.default !== '') o.default = r.default;
          if (r.type === 'select' || r.type === 'select_multiple') o.options = csv(r.options);
          return o;
        });
        void f.save(async () => { await put(`${base}/steps/individual`, { fields, revision: version.revision }); onSaved(); });
      }}>
        {f.draftNotice}
        <ErrorSummary error={f.error} />
        <p class="sub">Optional. The form end-users fill in; the preview shows what they will see.</p>
        {f.form.fields.map((r, i) => (
          <fieldset key={i}>
            <legend>Field {i + 1}</legend>
            <Field label="Key" error={f.err(`fields[${i}].key`)} hint="Starts with a letter; letters, digits, - and _.">{(a) => <input {...a} data-field="fields" value={r.key} onInput={(e) => setF(i, { key: e.currentTarget.value })} spellcheck={false} />}</Field>
            <Field label="Field type" error={f.err(`fields[${i}].type`)}>{(a) => <select {...a} value={r.type} onChange={(e) => setF(i, { type: e.currentTarget.value })}>{FIELD_TYPES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select>}</Field>
            <Field label="Label" error={f.err(`fields[${i}].label`)}>{(a) => <input {...a} value={r.label} onInput={(e) => setF(i, { label: e.currentTarget.value })} />}</Field>
            <label class="check"><input type="checkbox" checked={r.required} onChange={(e) => setF(i, { required: e.currentTarget.checked })} /> Required</label>
            <Field label="Placeholder">{(a) => <input {...a} value={r.placeholder} onInput={(e) => setF(i, { placeholder: e.currentTarget.value })} />}</Field>
            <Field label="Help text">{(a) => <input {...a} value={r.description} onInput={(e) => setF(i, { description: e.currentTarget.value })} />}</Field>
            {(r.type === 'select' || r.type === 'select_multiple') && (
              <Field label="Options" hint="Comma-separated" error={f.err(`fields[${i}].options`)}>{(a) => <input {...a} value={r.options} onInput={(e) => setF(i, { options: e.currentTarget.value })} />}</Field>
            )}
            <Field label="Default" error={f.err(`fields[${i}].default`)} hint={r.type === 'checkbox' ? '0 or 1' : undefined}>{(a) => <input {...a} value={r.default} onInput={(e) => setF(i, { default: e.currentTarget.value })} />}</Field>
            <div class="row">
              <button type="button" disabled={i === 0} onClick={() => move(i, -1)}>Move up</button>
              <button type="button" disabled={i === f.form.fields.length - 1} onClick={() => move(i, 1)}>Move down</button>
              <button type="button" class="danger" onClick={() => f.setForm({ fields: f.form.fields.filter((_, j) => j !== i) })}>Remove field {i + 1}</button>
            </div>
          </fieldset>
        ))}
        <p><button type="button" onClick={() => f.setForm({ fields: [...f.form.fields, { key: '', type: 'input', label: '', required: false, placeholder: '', description: '', default: '', options: '' }] })}>Add field</button></p>
        <SaveBar busy={f.busy} saved={f.saved} />
      </form>
      <section aria-labelledby="preview-h">
        <h3 id="preview-h">End-user form preview</h3>
        <div class="preview-form"><EndUserForm fields={f.form.fields} /></div>
      </section>
    </div>
  );
}

function ExecutionStep({ c, version }: StepProps) {
  const ex = useAsync(() => get<Schemas['StepView']>(`/connectors/${c.id}/versions/${version.number}/steps/execution`), [c.id, version.number, version.revision]);
  if (ex.error) return <ErrorBox error={ex.error} retry={ex.reload} />;
  if (!ex.data) return <Loading what="the execution preview" />;
  const p = ex.data.data as Schemas['ExecutionPreview'] | null;
  if (!p) return <p>Complete the <strong>Application</strong> step first: the preview shows the command it defines.</p>;
  return (
    <div>
      <p class="sub">How a sample run of this version receives its values ({MODES.find(([m]) => m === p.execution_mode)?.[1]}). Secret values are masked.</p>
      <h3>Command line</h3>
      <pre class="block" aria-label="Command line">{p.command_line}</pre>
      <h3>Environment</h3>
      <div class="table-wrap">
        <table>
          <thead><tr><th scope="col">Variable</th><th scope="col">Value</th><th scope="col">From</th></tr></thead>
          <tbody>
            {p.environment.map((e) => (
              <tr key={e.name}><td><code>{e.name}</code></td><td><code>{e.value}</code>{e.masked && <span class="badge"> masked</span>}</td><td class="small muted">{String(e.source)}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
      {p.health_check_argv.length > 0 && (
        <>
          <h3>Health check</h3>
          <pre class="block">{p.health_check_argv.join(' ')}</pre>
        </>
      )}
    </div>
  );
}

const CATEGORIES: [string, string][] = [
  ['most_popular', 'Most popular'], ['shopping_platform', 'Shopping platform'], ['shop_systems', 'Shop systems'], ['cloud_services', 'Cloud services'],
  ['pim_pms', 'PIM / PMS'], ['tracking_systems', 'Tracking systems'], ['custom_import', 'Custom import'], ['orders', 'Orders'], ['miscellaneous', 'Miscellaneous'],
];

function TypeSpecificStep({ c, version, onSaved }: StepProps) {
  const ts = (version.configuration.type_specific ?? {}) as Record<string, unknown>;
  const f = useStepForm({
    categories: (ts.categories as string[] | undefined) ?? [],
    channels: ((ts.channels as string[] | undefined) ?? []).join(', '),
    feedback_file: Boolean(ts.feedback_file),
    source_column: String(ts.source_column ?? ''),
    target_column: String(ts.target_column ?? ''),
    category_attributes: ((ts.category_attributes as string[] | undefined) ?? []).join(', '),
    settings: ts.settings ? JSON.stringify(ts.settings, null, 2) : '{}',
  }, `${c.id}:${version.number}:type-specific`);
  const [jsonError, setJsonError] = useState<string | undefined>();
  const base = `/connectors/${c.id}/versions/${version.number}`;
  const kind = c.type === 'datasource' ? 'datasource' : c.type === 'data-service' ? 'data-service' : c.type === 'export' || c.type === 'export-delta' ? 'export' : 'none';
  const groupId = useId('cat');
  return (
    <form noValidate onSubmit={(e) => {
      e.preventDefault();
      let body: Record<string, unknown>;
      if (kind === 'datasource') body = { categories: f.form.categories };
      else if (kind === 'export') body = { channels: csv(f.form.channels), feedback_file: f.form.feedback_file, source_column: f.form.source_column, target_column: f.form.target_column, category_attributes: csv(f.form.category_attributes) };
      else {
        try {
          body = { settings: JSON.parse(f.form.settings) };
          setJsonError(undefined);
        } catch {
          setJsonError('Settings must be valid JSON.');
          return;
        }
      }
      void f.save(async () => { await put(`${base}/steps/type-specific`, { ...body, revision: version.revision }); onSaved(); });
    }}>
      {f.draftNotice}
      <ErrorSummary error={f.error} />
      {kind === 'datasource' && (
        <fieldset aria-describedby={f.err('categories') ? `${groupId}-e` : undefined}>
          <legend>Categories</legend>
          {CATEGORIES.map(([v, l]) => (
            <label class="check" key={v}>
              <input type="checkbox" data-field="categories" checked={f.form.categories.includes(v)} onChange={(e) => f.setForm({ ...f.form, categories: e.currentTarget.checked ? [...f.form.categories, v] : f.form.categories.filter((x) => x !== v) })} /> {l}
            </label>
          ))}
          {f.err('categories') && <p class="error" id={`${groupId}-e`}>{f.err('categories')}</p>}
        </fieldset>
      )}
      {kind === 'export' && (
        <>
          <Field label="Channels" hint="Comma-separated" error={f.err('channels')}>{(a) => <input {...a} data-field="channels" value={f.form.channels} onInput={f.set('channels')} />}</Field>
          <label class="check"><input type="checkbox" checked={f.form.feedback_file} onChange={f.set('feedback_file')} /> Feedback file</label>
          <Field label="Source column" error={f.err('source_column')}>{(a) => <input {...a} data-field="source_column" value={f.form.source_column} onInput={f.set('source_column')} />}</Field>
          <Field label="Target column" error={f.err('target_column')}>{(a) => <input {...a} data-field="target_column" value={f.form.target_column} onInput={f.set('target_column')} />}</Field>
          <Field label="Category attributes" hint="Comma-separated" error={f.err('category_attributes')}>{(a) => <input {...a} value={f.form.category_attributes} onInput={f.set('category_attributes')} />}</Field>
        </>
      )}
      {kind === 'data-service' && (
        <Field label="Settings (JSON)" error={jsonError ?? f.err('settings')}>{(a) => <textarea {...a} data-field="settings" class="mono" rows={8} value={f.form.settings} onInput={f.set('settings')} />}</Field>
      )}
      <SaveBar busy={f.busy} saved={f.saved} />
    </form>
  );
}

