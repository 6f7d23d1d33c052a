import { useEffect, useState } from 'react';
import type { RunState, RunStore } from '../run-store.ts';

/** About 10 redraws a second: smooth enough to watch, cheap enough to never slow the trainer. */
export const REFRESH_MS = 100;

/**
 * The store's latest state, re-read on a timer (not on every event): a trainer emitting thousands of
 * steps a second costs one React update per tick, and only when something changed.
 */
export function useStoreSnapshot(store: RunStore, refreshMs = REFRESH_MS): RunState {
  const [snapshot, setSnapshot] = useState(() => store.snapshot());
  useEffect(() => {
    let seen = store.version;
    setSnapshot(store.snapshot());
    const timer = setInterval(() => {
      if (store.version === seen) return;
      seen = store.version;
      setSnapshot(store.snapshot());
    }, refreshMs);
    return () => clearInterval(timer);
  }, [store, refreshMs]);
  return snapshot;
}
