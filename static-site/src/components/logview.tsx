// The job log: numbered lines, ANSI colours (anser → text spans, never HTML), only the visible
// rows in the DOM (fixed row height), follows the tail at the bottom and holds position when
// scrolled up ("Jump to latest"), resumes by cursor without repeated lines, pause/resume,
// copy, download, line links (#L123).
import Anser from 'anser';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { get, qs, type Schemas } from '../api/client';
import { copyText } from './ui';

export const ROW = 20;
const OVERSCAN = 8;

type Line = { seq: number; text: string; stream: string };

/** The log's lines, fetched by cursor. Exposed for the benchmark/tests as `window.__log`. */
export function LogView({ jobId, onFinished, initialLines }: { jobId: string; onFinished?: (status: string) => void; initialLines?: Line[] }) {
  const lines = useRef<Line[]>(initialLines ?? []);
  const lastSeq = useRef<number>(-1);
  const [count, setCount] = useState(lines.current.length);
  const [status, setStatus] = useState<string>('loading');
  const [paused, setPaused] = useState(false);
  const [follow, setFollow] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(360);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [highlight, setHighlight] = useState<number | null>(() => {
    const m = /^#L(\d+)$/.exec(window.location.hash);
    return m ? Number(m[1]) : null;
  });
  const box = useRef<HTMLDivElement>(null);
  const cursor = useRef<string | null>(null);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const followRef = useRef(follow);
  followRef.current = follow;

  // Fetch loop: from the last cursor; a reconnect asks again from there, and lines are keyed by
  // their sequence number, so nothing is repeated or skipped.
  useEffect(() => {
    if (initialLines) {
      setStatus('done');
      return;
    }
    let stop = false;
    let timer: number | undefined;
    async function tick() {
      if (stop) return;
      if (pausedRef.current) {
        timer = window.setTimeout(tick, 500);
        return;
      }
      try {
        const page = await get<Schemas['JobLogPage']>(`/jobs/${jobId}/log${qs({ cursor: cursor.current, limit: 1000 })}`);
        if (stop) return;
        setError(null);
        let added = 0;
        for (const l of page.items) {
          if (l.seq <= lastSeq.current) continue;
          lastSeq.current = l.seq;
          lines.current.push({ seq: l.seq, text: l.text, stream: l.stream });
          added++;
        }
        if (page.next_cursor) cursor.current = page.next_cursor;
        setStatus(page.job_status);
        if (added) {
          setCount(lines.current.length);
          if (!followRef.current) setUnseen((u) => u + added);
        }
        if (!page.next_cursor) {
          onFinished?.(page.job_status);
          return;
        }
        timer = window.setTimeout(tick, page.items.length >= 1000 ? 0 : 1000);
      } catch (e) {
        if (stop) return;
        setError(`Connection lost (${(e as Error).message}); reconnecting…`);
        timer = window.setTimeout(tick, 2000);
      }
    }
    void tick();
    return () => {
      stop = true;
      window.clearTimeout(timer);
    };
  }, [jobId]);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    setHeight(el.clientHeight);
    if (highlight !== null && count >= highlight && el.dataset.jumped !== String(highlight)) {
      el.dataset.jumped = String(highlight);
      el.scrollTop = Math.max(0, (highlight - 1) * ROW - el.clientHeight / 2);
      setFollow(false);
      return;
    }
    if (follow) el.scrollTop = el.scrollHeight;
  }, [count, follow]);

  function onScroll() {
    const el = box.current!;
    setScrollTop(el.scrollTop);
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW / 2;
    if (atBottom !== follow) setFollow(atBottom);
    if (atBottom) setUnseen(0);
  }

  function jumpToLatest() {
    setFollow(true);
    setUnseen(0);
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }

  const plain = () => lines.current.map((l) => Anser.ansiToText(l.text)).join('\n') + '\n';
  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    const l = lines.current[i]!;
    const n = i + 1;
    rows.push(
      <div key={l.seq} class={`log-row${highlight === n ? ' hl' : ''}${l.stream === 'stderr' ? ' err' : ''}`} style={{ top: `${i * ROW}px` }} id={`L${n}`}>
        <a href={`#L${n}`} onClick={() => setHighlight(n)} aria-label={`Line ${n}`}>{n}</a>
        <span class="text"><AnsiText text={l.text} /></span>
      </div>,
    );
  }
  const running = status === 'running' || status === 'pending';
  return (
    <div class="log">
      <div class="log-bar">
        <span class="count" role="status">{count.toLocaleString()} lines · {running ? (paused ? 'paused' : 'live') : status}</span>
        <span class="spacer" />
        {running && <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>{paused ? 'Resume' : 'Pause'}</button>}
        <button type="button" onClick={async () => setNote((await copyText(plain())) ? 'Copied the log.' : 'Copy failed: select and copy by hand.')}>Copy</button>
        <button type="button" onClick={() => {
          const url = URL.createObjectURL(new Blob([plain()], { type: 'text/plain' }));
          const a = document.createElement('a');
          a.href = url;
          a.download = `job-${jobId}.log`;
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 1000);
        }}>Download</button>
      </div>
      {(note || error) && <p class="log-bar count" role="status">{error ?? note}</p>}
      <div class="log-wrap">
        <div class="log-scroll" ref={box} onScroll={onScroll} role="log" aria-label="Job log" aria-live={running ? 'polite' : 'off'} tabIndex={0} data-lines={count}>
          <div class="log-inner" style={{ height: `${count * ROW}px` }}>{rows}</div>
        </div>
        {!follow && (
          <button type="button" class="log-jump primary" onClick={jumpToLatest}>Jump to latest{unseen ? ` (${unseen} new)` : ''}</button>
        )}
      </div>
    </div>
  );
}

const COLOR_CACHE = new Map<string, Anser.AnserJsonEntry[]>();

function AnsiText({ text }: { text: string }) {
  if (!text.includes('\u001b')) return <>{text}</>;
  let parts = COLOR_CACHE.get(text);
  if (!parts) {
    parts = Anser.ansiToJson(text, { json: true, remove_empty: true });
    if (COLOR_CACHE.size > 5000) COLOR_CACHE.clear();
    COLOR_CACHE.set(text, parts);
  }
  return (
    <>
      {parts.map((p, i) => (
        <span
          key={i}
          style={{
            color: p.fg ? `rgb(${p.fg})` : undefined,
            backgroundColor: p.bg ? `rgb(${p.bg})` : undefined,
            fontWeight: p.decorations.includes('bold') ? 700 : undefined,
            fontStyle: p.decorations.includes('italic') ? 'italic' : undefined,
            textDecoration: p.decorations.includes('underline') ? 'underline' : undefined,
          }}
        >
          {p.content}
        </span>
      ))}
    </>
  );
}
