// A Map that forgets its least recently used entries past a fixed total weight (by default,
// each entry weighs 1, so the limit is a number of entries).
export class Lru<K, V> {
  readonly #map = new Map<K, V>();
  readonly #max: number;
  readonly #weigh: (value: V) => number;
  #weight = 0;

  constructor(max: number, weigh: (value: V) => number = () => 1) {
    this.#max = max;
    this.#weigh = weigh;
  }

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#delete(key);
    this.#map.set(key, value);
    this.#weight += this.#weigh(value);
    while (this.#weight > this.#max && this.#map.size > 0) this.#delete(this.#map.keys().next().value!);
  }

  #delete(key: K): void {
    const old = this.#map.get(key);
    if (old === undefined) return;
    this.#map.delete(key);
    this.#weight -= this.#weigh(old);
  }
}
