/**
 * Work that callers asking at the same time share: while a promise for a key
 * is pending, later callers get the same promise instead of starting the work
 * again. Used where a burst of identical requests (an HA pair of Prometheus
 * servers, a scrape storm) would otherwise repeat the same queries and the
 * same rendering.
 */
export class SharedInFlight<K, V> {
  private readonly pending = new Map<K, Promise<V>>();

  run(key: K, start: () => Promise<V>): Promise<V> {
    let promise = this.pending.get(key);
    if (!promise) {
      promise = start().finally(() => this.pending.delete(key));
      this.pending.set(key, promise);
    }
    return promise;
  }
}
