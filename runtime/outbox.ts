// Messages over the IPC channel go out in batches: everything queued in one turn of the event
// loop leaves in one write. Under load that divides the per-message cost of the channel (a
// write and a read, each a system call) by the batch size; alone, a message waits only for
// the rest of its turn.
export class Outbox<T> {
  #queue: T[] = [];
  readonly #send: (batch: T[]) => void;

  constructor(send: (batch: T[]) => void) {
    this.#send = send;
  }

  push(message: T): void {
    if (this.#queue.length === 0) setImmediate(() => this.flush());
    this.#queue.push(message);
  }

  flush(): void {
    const batch = this.#queue;
    if (!batch.length) return;
    this.#queue = [];
    this.#send(batch);
  }
}
