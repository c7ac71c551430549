// React hooks over the store and the terminal: the store's current snapshot
// (useSyncExternalStore, so every view reads one consistent state), the
// terminal size tracked through stdout's resize events (Ink 6 does not
// re-render on resize by itself under every condition), and a clock that ticks
// once a second for ages and "stale since".
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useStdout } from 'ink';
import type { Store, StoreState } from './store.js';

export function useStore(store: Store): StoreState {
  return useSyncExternalStore(store.subscribe, store.getState, store.getState);
}

export interface Size {
  columns: number;
  rows: number;
}

export function useSize(): Size {
  const { stdout } = useStdout();
  const read = (): Size => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
