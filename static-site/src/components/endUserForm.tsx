// The end-user form, rendered from the individual-configuration fields: the live preview in
// the wizard and the Test run form (one renderer for every place the form appears). Plain
// controls, no eval. With `named`, each control carries the field's key as its name so the
// surrounding <form> reads the values (formValues), and the server's message per field shows
// under it.
import { useId } from './ui';

export const FIELD_TYPES: [string, string][] = [
  ['input', 'Text'], ['textarea', 'Text area'], ['password', 'Password'], ['checkbox', 'Checkbox'], ['select', 'Select'],
  ['select_multiple', 'Multiple select'], ['number', 'Number'], ['url', 'URL'], ['email', 'Email'],
];

export type FormFieldDraft = { key: string; type: string; label: string; required: boolean; placeholder: string; description: string; default: string; options: string };

type Opts = { named?: boolean; error?: ((key: string) => string | undefined) | undefined };

function PreviewField({ f, named, error }: { f: FormFieldDraft } & Opts) {
  const id = useId('pv');
  const label = (f.label || f.key || 'Untitled field') + (f.required ? ' *' : '');
  const opts = f.options.split(',').map((o) => o.trim()).filter(Boolean);
  const err = error?.(f.key);
  const help = f.description ? <p class="hint" id={`${id}-h`}>{f.description}</p> : null;
  const errP = err ? <p class="error" id={`${id}-e`}>{err}</p> : null;
  const described = [err ? `${id}-e` : '', f.description ? `${id}-h` : ''].filter(Boolean).join(' ') || undefined;
  const common = { name: named ? f.key : undefined, 'aria-describedby': described, 'aria-invalid': err ? ('true' as const) : undefined, 'data-field': named ? `values.${f.key}` : undefined };
  if (f.type === 'checkbox') {
    return (
      <div class="field">
        <label class="check"><input type="checkbox" defaultChecked={f.default === '1'} {...common} /> {label}</label>
        {errP}
        {help}
      </div>
    );
  }
  let control;
  if (f.type === 'textarea') control = <textarea id={id} placeholder={f.placeholder} defaultValue={f.default} rows={3} {...common} />;
  else if (f.type === 'select' || f.type === 'select_multiple')
    control = (
      <select id={id} multiple={f.type === 'select_multiple'} {...common}>
        {opts.map((o) => <option key={o} selected={o === f.default}>{o}</option>)}
      </select>
    );
  else {
    const t = f.type === 'input' ? 'text' : f.type;
    control = <input id={id} type={t} placeholder={f.placeholder} defaultValue={f.type === 'password' ? '' : f.default} autoComplete={f.type === 'password' ? 'off' : undefined} {...common} />;
  }
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {control}
      {errP}
      {help}
    </div>
  );
}

export function EndUserForm({ fields, named, error }: { fields: FormFieldDraft[] } & Opts) {
  if (fields.length === 0) return <p class="muted">No fields: end-users see no form.</p>;
  return (
    <div aria-label={named ? 'End-user form' : 'End-user form preview'} role="group">
      {fields.map((f, i) => <PreviewField key={`${i}:${f.type}`} f={f} named={named} error={error} />)}
    </div>
  );
}

/** The values of a named end-user form inside `form`, typed as the API reads them (checkbox a
 *  boolean, multiple select a list); empty fields are left out so their default applies. */
export function formValues(form: HTMLFormElement, fields: FormFieldDraft[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const el = form.elements.namedItem(f.key);
    if (!el) continue;
    if (f.type === 'checkbox') out[f.key] = (el as HTMLInputElement).checked;
    else if (f.type === 'select_multiple') out[f.key] = [...(el as HTMLSelectElement).selectedOptions].map((o) => o.value);
    else {
      const v = (el as HTMLInputElement).value;
      if (v !== '') out[f.key] = v;
    }
  }
  return out;
}
