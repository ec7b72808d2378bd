import type { Socket } from "node:net";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { Channel, MAX_FRAME_BYTES } from "../../runtime/channel.ts";

type Msg = { n: number; s?: string };

// Two channels over one in-memory pipe: what `a` sends, `b` receives.
function pair() {
  const wire = new PassThrough();
  const got: Msg[][] = [];
  const broken: string[] = [];
  const b = new Channel<Msg, Msg>(wire as unknown as Socket, (batch) => got.push(batch), (why) => broken.push(why));
  return { wire, got, broken, b, a: new Channel<Msg, Msg>(wire as unknown as Socket, () => {}, () => {}) };
}

const frame = (json: string) => {
  const body = Buffer.from(json);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
};

describe("the worker channel", () => {
  it("delivers everything sent in one turn as one batch, in order, with non-ASCII text intact", async () => {
    const { a, got } = pair();
    a.send({ n: 1, s: "é ✓ \u2028 \"quoted\"" });
    a.send({ n: 2 });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([[{ n: 1, s: "é ✓ \u2028 \"quoted\"" }, { n: 2 }]]);
  });

  it("cuts a long batch into frames of at most 16, so the reader can start early", () => {
    const { a, got } = pair();
    for (let n = 0; n < 40; n++) a.send({ n });
    a.flush();
    expect(got.map((batch) => batch.length)).toEqual([16, 16, 8]);
    expect(got.flat().map((m) => m.n)).toEqual([...Array(40).keys()]);
  });

  it("reassembles frames split at any byte, and several frames in one chunk", () => {
    const { wire, got } = pair();
    const bytes = Buffer.concat([frame('[{"n":1,"s":"ü"}]'), frame('[{"n":2}]'), frame('[{"n":3}]')]);
    for (let i = 0; i < bytes.length; i += 3) wire.write(bytes.subarray(i, i + 3));
    expect(got.flat()).toEqual([{ n: 1, s: "ü" }, { n: 2 }, { n: 3 }]);
    wire.write(bytes);
    expect(got.flat()).toHaveLength(6);
  });

  it("stops reading at a frame that is too long, not JSON, or not an array", () => {
    for (const [bytes, why] of [
      [Buffer.from([0xff, 0xff, 0xff, 0xff]), `over the ${MAX_FRAME_BYTES}-byte limit`],
      [frame("{nope"), "not JSON"],
      [frame('{"n":1}'), "not an array"],
    ] as const) {
      const { wire, got, broken } = pair();
      wire.write(Buffer.concat([bytes, frame('[{"n":9}]')]));
      expect(broken).toEqual([expect.stringContaining(why)]);
      expect(got).toEqual([]);
    }
  });
});

describe("the worker channel with large messages", () => {
  it("cuts a batch at 256 KiB of JSON, and reassembles a large frame from small chunks", () => {
    const { a, wire, got } = pair();
    const big = "x".repeat(200 * 1024);
    a.send({ n: 1, s: big });
    expect(got).toEqual([]); // under 256 KiB: it waits for the end of the turn
    a.send({ n: 2, s: big }); // over 256 KiB together: the batch leaves at once, in one frame
    expect(got.map((batch) => batch.map((m) => m.n))).toEqual([[1, 2]]);
    got.length = 0;
    const frameBytes = frame(JSON.stringify([{ n: 3, s: "y".repeat(4 << 20) }]));
    for (let i = 0; i < frameBytes.length; i += 1024) wire.write(frameBytes.subarray(i, i + 1024));
    expect(got.flat().map((m) => [m.n, m.s?.length])).toEqual([[3, 4 << 20]]);
  });
});
