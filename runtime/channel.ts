// The supervisor↔worker channel: length-prefixed JSON frames over a socket pair (fd 3 in the
// worker), in place of Node's IPC channel. process.send() costs ~9 µs a message in its own
// framing and bookkeeping; a frame here is one JSON.stringify, one buffer and one write
// (~2 µs; `npm run bench` measures the round trip as the floor every decision pays).
//
// A frame is a 4-byte big-endian length and that many bytes of UTF-8 JSON: an array of
// messages, in order. Messages queued in one turn of the event loop leave in one frame, which
// divides the per-write cost by the batch size under load. A batch is also cut at BATCH_MAX
// messages, so that the other side can start on the first ones while this side is still
// working through the rest: both processes busy at once, instead of taking turns. And it is
// cut at BATCH_MAX_CHARS, so that a frame of large events never makes the reader wait for all
// of it before it starts.
import type { Socket } from "node:net";

const BATCH_MAX = 16;
/** A batch is also cut at this much JSON, so that large events do not hold up the small ones behind them. */
const BATCH_MAX_CHARS = 256 * 1024;
/** A frame longer than this is refused: the peer is broken or hostile, and the channel closes. */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

export class Channel<Out, In> {
  readonly #socket: Socket;
  /** Messages queued, each already JSON. */
  #queue: string[] = [];
  #queuedChars = 0;
  #scheduled = false;
  /** Bytes received that do not yet make a whole frame, as they came, and their total. */
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** The length of the frame being received (with its header), once its header is in. */
  #awaiting = 0;

  /**
   * `onBatch` gets each frame's messages; `onBroken` is called once if a frame cannot be read
   * (too long, not JSON), after which nothing more is read.
   */
  constructor(socket: Socket, onBatch: (batch: In[]) => void, onBroken: (why: string) => void) {
    this.#socket = socket;
    // Chunks are kept as they come and joined once a frame is whole: joining on every chunk
    // would copy a large frame over and over (quadratic in its size).
    const onData = (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#awaiting === 0 && this.#buffered >= 4) {
        const length = this.#head().readUInt32BE(0);
        if (length > MAX_FRAME_BYTES) return broken(`a frame of ${length} bytes is over the ${MAX_FRAME_BYTES}-byte limit`);
        this.#awaiting = 4 + length;
      }
      if (this.#awaiting === 0 || this.#buffered < this.#awaiting) return;
      const buffer = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
      let at = 0;
      while (buffer.length - at >= 4) {
        const length = buffer.readUInt32BE(at);
        if (length > MAX_FRAME_BYTES) return broken(`a frame of ${length} bytes is over the ${MAX_FRAME_BYTES}-byte limit`);
        if (buffer.length - at - 4 < length) break;
        let batch: In[];
        try {
          batch = JSON.parse(buffer.toString("utf8", at + 4, at + 4 + length)) as In[];
        } catch {
          return broken("a frame is not JSON");
        }
        at += 4 + length;
        if (!Array.isArray(batch)) return broken("a frame is not an array of messages");
        onBatch(batch);
      }
      // Keep only the unread tail (a copy, so the buffer it came from can be freed).
      const tail = at === buffer.length ? null : Buffer.from(buffer.subarray(at));
      this.#chunks = tail ? [tail] : [];
      this.#buffered = tail?.length ?? 0;
      this.#awaiting = tail && tail.length >= 4 ? 4 + tail.readUInt32BE(0) : 0;
      if (this.#awaiting > 4 + MAX_FRAME_BYTES) return broken(`a frame of ${this.#awaiting - 4} bytes is over the ${MAX_FRAME_BYTES}-byte limit`);
    };
    const broken = (why: string) => {
      socket.off("data", onData);
      this.#chunks = [];
      onBroken(why);
    };
    socket.on("data", onData);
  }

  // The first 4 bytes received, even when they came in more than one chunk.
  #head(): Buffer {
    if (this.#chunks[0]!.length >= 4) return this.#chunks[0]!;
    const joined = Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [joined];
    return joined;
  }

  get writable(): boolean {
    return this.#socket.writable;
  }

  send(message: Out): void {
    const json = JSON.stringify(message);
    this.#queue.push(json);
    this.#queuedChars += json.length;
    if (this.#queue.length >= BATCH_MAX || this.#queuedChars >= BATCH_MAX_CHARS) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  /** Writes what is queued now, without waiting for the end of this turn. */
  flush(): void {
    const batch = this.#queue;
    if (!batch.length) return;
    this.#queue = [];
    this.#queuedChars = 0;
    if (!this.#socket.writable) return;
    const json = `[${batch.join(",")}]`;
    const frame = Buffer.allocUnsafe(4 + Buffer.byteLength(json));
    frame.writeUInt32BE(frame.length - 4, 0);
    frame.write(json, 4);
    this.#socket.write(frame);
  }

  /** Flushes and half-closes: the peer reads what was sent, then sees the end. */
  end(): void {
    this.flush();
    this.#socket.end();
  }
}
