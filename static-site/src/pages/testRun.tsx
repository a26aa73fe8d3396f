// Test run of a version on its dev site: the end-user form (the same renderer as the wizard's
// preview), the authentication fields the version registers, test input rows as JSON, then
// the run is started (counted as started by a user) and its page follows it live.
import { useRef, useState } from 'preact/hooks';
import { ApiFailure, get, idempotencyKey, post, type Schemas } from '../api/client';
import { Link, navigate } from '../router';
import { ErrorBox, ErrorSummary, Field, Loading, PageTitle, useAsync } from '../components/ui';
import { EndUserForm, formValues, type FormFieldDraft } from '../components/endUserForm';

/** Parses the test-input editor: empty (no input) or a JSON array of objects. */
export function parseTestInput(text: string): { rows?: unknown[]; error?: string } {
  if (!text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { error: `Not valid JSON: ${(e as Error).message}` };
  }
  if (!Array.isArray(v)) return { error: 'Test input is a JSON array of rows, e.g. [{"sku": "1"}].' };
  const bad = v.findIndex((r) => typeof r !== 'object' || r === null || Array.isArray(r));
  if (bad >= 0) return { error: `Row ${bad + 1} is not an object: each row is a JSON object.` };
  return { rows: v };
}

export function TestRun({ id, v }: { id: string; v: string }) {
  const conn = useAsync(() => get<Schemas['Connector']>(`/connectors/${id}`), [id]);
  const ver = useAsync(() => get<Schemas['VersionView']>(`/connectors/${id}/versions/${v}`), [id, v]);
  const [input, setInput] = useState('');
  const [inputError, setInputError] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const key = useRef<Record<string, string>>(idempotencyKey());
  if (ver.error) return <ErrorBox error={ver.error} retry={ver.reload} />;
  if (!ver.data) return <Loading what="the version" />;
  const version = ver.data;
  const name = conn.data?.name ?? 'Connector';
  const site = version.deployment.dev?.site_id;
  const fields: FormFieldDraft[] = [...version.configuration.individual.fields].sort((a, b) => a.order - b.order).map((x) => ({
    key: x.key, type: x.type, label: x.label, required: x.required, placeholder: x.placeholder, description: x.description, default: x.default ?? '', options: x.options.join(', '),
  }));
  const authFields = [...new Set((version.configuration.auth.authentications ?? []).flatMap((a) => a.fields ?? []))];
  const failure = error instanceof ApiFailure ? error : null;

  async function start(e: Event) {
    e.preventDefault();
    setError(null);
    const parsed = parseTestInput(input);
    setInputError(parsed.error ?? null);
    if (parsed.error) {
      document.querySelector<HTMLElement>('[data-field="test_input"]')?.focus();
      return;
    }
    const form = formRef.current!;
    const auth: Record<string, string> = {};
    for (const f of authFields) {
      const el = form.elements.namedItem(`auth:${f}`) as HTMLInputElement | null;
      if (el?.value) auth[f] = el.value;
    }
    setBusy(true);
    try {
      const run = await post<Schemas['RunView']>(
        `/sites/${encodeURIComponent(site!)}/runs`,
        { connector_id: id, version: version.number, values: formValues(form, fields), auth, ...(parsed.rows ? { test_input: parsed.rows } : {}) },
        { ...key.current, 'X-Devportal-Client': 'web' },
      );
      navigate(`/runs/${run.id}`);
    } catch (err) {
      setError(err as Error);
      // A refused start may be corrected and sent again as a new run.
      key.current = idempotencyKey();
      setBusy(false);
    }
  }

  return (
    <>
      <div class="crumbs"><Link href="/connectors">Connectors</Link> / <Link href={`/connectors/${id}`}>{name}</Link> / v{version.number} / Test run</div>
      <PageTitle title={`Test run — ${name} v${version.number}`} />
      {!site ? (
        <div class="card empty">
          <p>Version {version.number} is not on its dev site yet. <Link href={`/connectors/${id}/versions/${version.number}/release`}>Sync it with dev</Link> first.</p>
        </div>
      ) : (
        <form ref={formRef} onSubmit={start} class="stack" aria-label="Test run" noValidate>
          <p class="sub">Runs on the dev site <code>{site}</code> with the values below. Passwords and authentication values are sent only with this request and are masked in everything the run shows.</p>
          <ErrorSummary error={error} labels={{ values: 'End-user form', auth: 'Authentication', test_input: 'Test input' }} />
          <fieldset>
            <legend>End-user form</legend>
            <EndUserForm fields={fields} named error={(k) => failure?.field(`values.${k}`)} />
          </fieldset>
          {authFields.length > 0 && (
            <fieldset>
              <legend>Authentication</legend>
              {authFields.map((f) => (
                <Field key={f} label={f} error={failure?.field(`auth.${f}`)}>{(a) => <input {...a} name={`auth:${f}`} type="password" autoComplete="off" data-field="auth" />}</Field>
              ))}
            </fieldset>
          )}
          <Field label="Test input (JSON rows)" error={inputError ?? failure?.field('test_input')} hint={'Optional: a JSON array of objects the run reads from the run API, e.g. [{"sku": "1"}].'}>
            {(a) => <textarea {...a} data-field="test_input" class="mono" rows={6} value={input} onInput={(e) => setInput(e.currentTarget.value)} spellcheck={false} />}
          </Field>
          <div class="row">
            <button type="submit" class="primary" disabled={busy}>{busy ? 'Starting…' : 'Start test run'}</button>
            <Link href={`/connectors/${id}/runs?version=${version.number}`}>Runs of this connector</Link>
          </div>
        </form>
      )}
    </>
  );
}
