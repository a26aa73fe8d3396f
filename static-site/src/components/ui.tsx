// Shared pieces: labelled fields wired to server errors, the error summary, dialogs, loading
// and error states, times in the user's time zone.
import type { ComponentChildren, JSX, RefObject } from 'preact';
import { useEffect, useRef, useState, useCallback } from 'preact/hooks';
import { ApiFailure } from '../api/client';

let nextId = 0;
export function useId(prefix = 'f'): string {
  const [id] = useState(() => `${prefix}-${++nextId}`);
  return id;
}

/** When: local date and time in the user's time zone (and the full ISO time on hover). */
export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span class="muted">—</span>;
  const d = new Date(at);
  return <time dateTime={at} title={d.toString()}>{d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}</time>;
}

export function shortDigest(d: string | null | undefined): string {
  if (!d) return '—';
  return d.replace(/^sha256:/, '').slice(0, 12);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

type FieldProps = {
  label: string;
  error?: string | undefined;
  hint?: ComponentChildren;
  children: (a: { id: string; 'aria-invalid'?: 'true'; 'aria-describedby'?: string }) => ComponentChildren;
};

/** A label, the control (given its id and ARIA wiring), a hint and the server's message. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-err` : undefined;
  const describedby = [errId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children({ id, ...(error ? { 'aria-invalid': 'true' as const } : {}), ...(describedby ? { 'aria-describedby': describedby } : {}) })}
      {error && <p class="error" id={errId}>{error}</p>}
      {hint && <p class="hint" id={hintId}>{hint}</p>}
    </div>
  );
}

/** What a failed save said: the message and links to each rejected field. */
export function ErrorSummary({ error, labels }: { error: ApiFailure | Error | null; labels?: Record<string, string> }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) ref.current?.focus();
  }, [error]);
  if (!error) return null;
  const fields = error instanceof ApiFailure ? error.fields : [];
  return (
    <div class="alert" role="alert" tabIndex={-1} ref={ref}>
      <strong>{fields.length ? 'Please fix the highlighted fields.' : error.message}</strong>
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.field}>
              <a
                href={`#${f.field}`}
                onClick={(e) => {
                  e.preventDefault();
                  const el = document.querySelector<HTMLElement>(`[data-field="${CSS.escape(topField(f.field))}"]`);
                  el?.focus();
                }}
              >
                {labels?.[topField(f.field)] ?? f.field}
              </a>
              : {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function topField(path: string): string {
  return path.split(/[.[]/)[0] ?? path;
}

export function Loading({ what }: { what: string }) {
  return <p class="loading" role="status">Loading {what}…</p>;
}

export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  return (
    <div class="alert" role="alert">
      {error.message}
      {retry && (
        <>
          {' '}
          <button type="button" onClick={retry}>Try again</button>
        </>
      )}
    </div>
  );
}

/** Runs `load` on mount and whenever `deps` change; keeps the last data while reloading. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const run = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    load().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: Error) => {
        if (mine !== seq.current) return;
        setError(e);
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(run, [run]);
  return { data, error, loading, reload: run, setData };
}

/** A modal <dialog>: traps focus (native), closes on Escape, gives focus back to its opener. */
export function Dialog({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId('dlg');
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      opener.current = document.activeElement;
      d.showModal();
      const first = d.querySelector<HTMLElement>('input:not([type=hidden]),select,textarea,button:not(.close)');
      first?.focus();
    } else if (!open && d.open) {
      d.close();
    }
    if (!open && opener.current instanceof HTMLElement) {
      opener.current.focus();
      opener.current = null;
    }
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onCancel={(e) => { e.preventDefault(); onClose(); }}>
      <div class="dialog-body">
        <h2 id={titleId}>{title}</h2>
        {open && children}
      </div>
    </dialog>
  );
}

/** Focuses the page's h1 after a route change (screen readers hear the new page). */
export function useFocusHeading(ref: RefObject<HTMLHeadingElement>, key: unknown) {
  useEffect(() => {
    ref.current?.focus();
  }, [key]);
}

export function PageTitle({ title, children, key2 }: { title: string; children?: ComponentChildren; key2?: unknown }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} — Dev Portal`;
  }, [title]);
  useFocusHeading(ref, key2 ?? title);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {title}
      {children}
    </h1>
  );
}

export function Select(props: JSX.HTMLAttributes<HTMLSelectElement> & { options: [string, string][]; value: string }) {
  const { options, ...rest } = props;
  return (
    <select {...rest}>
      {options.map(([v, l]) => (
        <option key={v} value={v}>{l}</option>
      ))}
    </select>
  );
}

/** Copies text; answers whether it worked (the caller says so in words). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
