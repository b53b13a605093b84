/** The service's logs, streamed: the tail first, then new lines as they come. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LogLine } from '../../api/control-plane.js';
import { api, describeError } from '../lib/api.js';
import { traceLinkParts } from '../lib/trace-links.js';

const keepLines = 500;
const flushMs = 100;
const retryMs = 2_000;

/** `traceUi`: the trace viewer URL with `{traceId}`; log lines with a trace id link to it. */
export function LogView(props: { readonly environment: string; readonly service: string; readonly traceUi: string | null }) {
  const [lines, setLines] = useState<readonly LogLine[]>([]);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const box = useRef<HTMLPreElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    const controller = new AbortController();
    let pending: LogLine[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = (): void => {
      flushTimer = undefined;
      const batch = pending;
      pending = [];
      setLines((previous) => [...previous, ...batch].slice(-keepLines));
    };
    const follow = async (): Promise<void> => {
      while (!controller.signal.aborted) {
        setLines([]);
        try {
          await api.followLogs(
            { environment: props.environment, service: props.service, tail: 100 },
            (line) => {
              pending.push(line);
              flushTimer ??= setTimeout(flush, flushMs);
            },
            controller.signal,
          );
          setProblem(undefined);
        } catch (error) {
          setProblem(describeError(error));
        }
        if (controller.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, retryMs));
      }
    };
    void follow();
    return () => {
      controller.abort();
      if (flushTimer !== undefined) clearTimeout(flushTimer);
    };
  }, [props.environment, props.service]);

  useEffect(() => {
    const element = box.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  }, [lines]);

  return (
    <div>
      {problem && <p class="error-note">Log stream: {problem}</p>}
      <pre
        class="logs"
        ref={box}
        data-testid="logs"
        onScroll={(event) => {
          const element = event.currentTarget;
          stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
        }}
      >
        {lines.length === 0 ? <span class="muted">No log lines yet.</span> : null}
        {lines.map((line, index) => (
          <div key={index} class={line.stream === 'stderr' ? 'log-line stderr' : 'log-line'}>
            <span class="log-instance">{line.instance}</span>{' '}
            {traceLinkParts(line.line, props.traceUi).map((part, at) =>
              'href' in part ? (
                <a key={at} href={part.href} target="_blank" rel="noreferrer" title={`trace ${part.traceId}`} data-testid="trace-link">
                  {part.text}
                </a>
              ) : (
                part.text
              ),
            )}
          </div>
        ))}
      </pre>
    </div>
  );
}
