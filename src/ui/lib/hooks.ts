/** Data hooks: a resource loaded from the API and kept fresh by the event stream. */
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { EventRecord } from '../../api/control-plane.js';
import type { EventHub, StreamState } from './event-hub.js';

export const EventHubContext = createContext<EventHub | null>(null);

function useHub(): EventHub {
  const hub = useContext(EventHubContext);
  if (!hub) throw new Error('EventHubContext is not provided');
  return hub;
}

/** Calls `listener` for each event (and `null` after a reconnect) while mounted. */
export function useEvents(listener: (event: EventRecord | null) => void): void {
  const hub = useHub();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => hub.subscribe((event) => latest.current(event)), [hub]);
}

export function useStreamState(): StreamState {
  const hub = useHub();
  const [state, setState] = useState(hub.state);
  useEffect(() => {
    setState(hub.state);
    return hub.onState(setState);
  }, [hub]);
  return state;
}

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

export interface ResourceOptions<T> {
  /** Which events make the data stale; any event when not given. */
  readonly refreshOn?: (event: EventRecord) => boolean;
  /**
   * Also reload on a timer: for values no event announces (metrics), or while a change is still
   * settling (instances starting). Return undefined for no timer.
   */
  readonly pollMs?: (data: T | undefined) => number | undefined;
}

/** Several events in a burst (a rollout) make one reload. */
const coalesceMs = 120;

export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[], options: ResourceOptions<T> = {}): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const sequence = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const reload = useCallback(() => {
    const mine = ++sequence.current;
    setState((previous) => ({ ...previous, loading: true }));
    loadRef.current().then(
      (data) => {
        if (mine === sequence.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (mine === sequence.current) setState((previous) => ({ data: previous.data, error, loading: false }));
      },
    );
  }, []);

  const scheduleReload = useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      reload();
    }, coalesceMs);
  }, [reload]);

  useEffect(() => {
    setState({ data: undefined, error: undefined, loading: true });
    reload();
    return () => {
      sequence.current += 1;
      if (timer.current !== undefined) clearTimeout(timer.current);
      timer.current = undefined;
    };
  }, deps);

  useEvents((event) => {
    const refreshOn = optionsRef.current.refreshOn;
    if (event === null || !refreshOn || refreshOn(event)) scheduleReload();
  });

  const pollMs = options.pollMs?.(state.data);
  useEffect(() => {
    if (pollMs === undefined || state.loading) return;
    const id = setTimeout(reload, pollMs);
    return () => clearTimeout(id);
  }, [pollMs, state.loading, state.data, reload]);

  return { ...state, reload };
}

/** The current time, advancing every `everyMs`: ages on screen keep counting. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}
