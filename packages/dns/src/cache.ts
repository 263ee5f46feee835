// A small TTL cache with insertion-order eviction and in-flight sharing, so one
// answer serves concurrent and repeated lookups of the same name and type.

export class TtlCache<V> {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #entries = new Map<string, { expires: number; value: V }>();
  readonly #inflight = new Map<string, Promise<V>>();

  constructor(ttlMs: number, max: number) {
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  /** Return the cached value, or run load once (shared by concurrent callers) and cache it if keep(value). */
  async get(key: string, load: () => Promise<V>, keep: (value: V) => boolean): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      if (hit.expires > Date.now()) return hit.value;
      this.#entries.delete(key);
    }
    const running = this.#inflight.get(key);
    if (running !== undefined) return running;
    const p = load().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    const value = await p;
    if (this.#ttlMs > 0 && keep(value)) {
      this.#entries.set(key, { expires: Date.now() + this.#ttlMs, value });
      while (this.#entries.size > this.#max) {
        const oldest = this.#entries.keys().next();
        if (oldest.done === true) break;
        this.#entries.delete(oldest.value);
      }
    }
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }
}
