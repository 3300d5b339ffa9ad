// Work in flight shared by key within one process: concurrent callers wait for the same promise.

/** WORK for KEY, started once while it runs; every caller meanwhile gets the same promise. */
export function sharedWork<T>(inFlight: Map<string, Promise<T>>, key: string, work: () => Promise<T>): Promise<T> {
  let running = inFlight.get(key);
  if (!running) {
    running = work().finally(() => inFlight.delete(key));
    inFlight.set(key, running);
  }
  return running;
}
