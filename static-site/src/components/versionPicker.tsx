// The versions selector on a version's screens: switches to the same screen of another version.
import { get, type Schemas } from '../api/client';
import { navigate } from '../router';
import { Field, useAsync } from './ui';

export function VersionPicker({ id, current, suffix }: { id: string; current: number; suffix: string }) {
  const vs = useAsync(() => get<Schemas['VersionList']>(`/connectors/${id}/versions`), [id]);
  const items = [...(vs.data?.items ?? [])].sort((a, b) => b.number - a.number);
  return (
    <div class="version-picker">
      <Field label="Version">
        {(a) => (
          <select {...a} value={String(current)} disabled={!vs.data} onChange={(e) => navigate(`/connectors/${id}/versions/${e.currentTarget.value}/${suffix}`)}>
            {items.length === 0 && <option value={String(current)}>v{current}</option>}
            {items.map((v) => (
              <option key={v.number} value={String(v.number)}>
                v{v.number} — {v.state}{v.deployment.main ? ' (main)' : ''}
              </option>
            ))}
          </select>
        )}
      </Field>
    </div>
  );
}
