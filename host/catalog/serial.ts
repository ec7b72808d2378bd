// Runs async work one at a time per key: what each call sees was left by the one before it.
// Used for a tenant's writes (the store and the runtime must agree on which module version
// is current) and for a session's evaluations (each must see the state the last committed).
export class KeyedSerial {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every earlier call for `key` has settled, whatever their outcome. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    const next = previous ? previous.then(fn, fn) : fn();
    this.#tails.set(key, next);
    const forget = () => {
      if (this.#tails.get(key) === next) this.#tails.delete(key);
    };
    next.then(forget, forget);
    return next;
  }
}
