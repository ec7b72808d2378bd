// A fake Anthropic Messages API on 127.0.0.1 that scripts the model for a real Claude Code CLI
// (ANTHROPIC_BASE_URL=<url>). Every request is recorded, so a test can read exactly what the
// model was given: the tool_result content, a hook's error text, how many turns there were.
//
// Claude Code sends two kinds of request to POST /v1/messages: the agent loop's own (it carries
// `tools`), and small side requests (a title, a quota probe and so on, without tools). Only the
// loop's requests consume the script; side requests get a short text answer.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { runMarker } from "./run-marker.ts";

export type Block =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export interface Turn {
  content: Block[];
  stop_reason?: "end_turn" | "tool_use" | "max_tokens" | "stop_sequence";
}

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: any;
  /** True for the agent loop's requests (they carry tools), false for side requests. */
  main: boolean;
}

/** Answers the loop's nth request (0-based). Past the end of an array script: a final "Done." */
export type Script = Turn[] | ((request: Recorded, index: number) => Turn);

export interface FakeAnthropic {
  url: string;
  requests: Recorded[];
  /** The agent loop's requests, in order. */
  main(): Recorded[];
  close(): Promise<void>;
}

export const toolUse = (name: string, input: Record<string, unknown>, id = `toolu_${name.toLowerCase()}_01`): Turn => ({
  content: [{ type: "tool_use", id, name, input }],
  stop_reason: "tool_use",
});

export const text = (t: string): Turn => ({ content: [{ type: "text", text: t }], stop_reason: "end_turn" });

/** Every tool_result block in a request's messages, with its content flattened to text. */
export function toolResults(request: Recorded): { tool_use_id: string; is_error: boolean; text: string }[] {
  const out: { tool_use_id: string; is_error: boolean; text: string }[] = [];
  for (const message of request.body?.messages ?? []) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content) {
      if (block?.type !== "tool_result") continue;
      out.push({ tool_use_id: block.tool_use_id, is_error: block.is_error === true, text: flatten(block.content) });
    }
  }
  return out;
}

/** All the text of every message in a request (user and assistant), to search for a leak. */
export function allText(request: Recorded): string {
  return JSON.stringify(request.body?.messages ?? []);
}

function flatten(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((c) => (typeof c === "string" ? c : c?.type === "text" ? c.text : JSON.stringify(c))).join("\n");
  return content === undefined ? "" : JSON.stringify(content);
}

export async function startFakeAnthropic(script: Script): Promise<FakeAnthropic> {
  const requests: Recorded[] = [];
  let loopIndex = 0;
  const answer = (request: Recorded): Turn => {
    if (!request.main) return text("Untitled");
    const index = loopIndex++;
    if (typeof script === "function") return script(request, index);
    return script[index] ?? text("Done.");
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: any = raw;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {}
      const pathname = (req.url ?? "").split("?")[0];
      const main = pathname === "/v1/messages" && Array.isArray(body?.tools) && body.tools.length > 0;
      const recorded: Recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, main };
      requests.push(recorded);
      try {
        route(recorded, pathname ?? "", res, answer);
      } catch (e) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ type: "error", error: { type: "api_error", message: String(e) } }));
      }
    });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    main: () => requests.filter((r) => r.main),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let messageCounter = 0;

function route(request: Recorded, pathname: string, res: ServerResponse, answer: (r: Recorded) => Turn) {
  if (request.method === "POST" && pathname === "/v1/messages/count_tokens") {
    return json(res, 200, { input_tokens: 100 });
  }
  if (request.method === "POST" && pathname === "/v1/messages") {
    const turn = answer(request);
    const model = request.body?.model ?? "claude-fake";
    const id = `msg_fake_${++messageCounter}`;
    const stop_reason = turn.stop_reason ?? (turn.content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn");
    const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    if (request.body?.stream !== true) {
      return json(res, 200, { id, type: "message", role: "assistant", model, content: turn.content, stop_reason, stop_sequence: null, usage });
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "request-id": `req_${id}` });
    const send = (event: string, data: object) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    send("message_start", { message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
    turn.content.forEach((block, index) => {
      if (block.type === "text") {
        send("content_block_start", { index, content_block: { type: "text", text: "" } });
        send("content_block_delta", { index, delta: { type: "text_delta", text: block.text } });
      } else {
        send("content_block_start", { index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } });
        send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } });
      }
      send("content_block_stop", { index });
    });
    send("message_delta", { delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
    send("message_stop", {});
    return res.end();
  }
  // Anything else (account, settings or metrics endpoints): nothing to say.
  return json(res, 404, { type: "error", error: { type: "not_found_error", message: `fake model server: no ${request.method} ${pathname}` } });
}

function json(res: ServerResponse, status: number, body: object) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

// ---------------------------------------------------------------------------------------------
// Running the real CLI (@anthropic-ai/claude-code, pinned in devDependencies) headless.


/** The native `claude` binary: the package's bin (its postinstall copies the platform build
 * there), or the platform package's own binary when install scripts did not run. */
export function claudeBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = path.dirname(require.resolve("@anthropic-ai/claude-code/package.json"));
  const bin = path.join(pkg, "bin", "claude.exe");
  if (existsSync(bin) && statSync(bin).size > 1 << 20) return bin;
  const platform = `@anthropic-ai/claude-code-${process.platform}-${process.arch}`;
  return path.join(path.dirname(require.resolve(`${platform}/package.json`)), process.platform === "win32" ? "claude.exe" : "claude");
}

export interface ClaudeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stream-json lines, parsed. */
  events: any[];
  /** The final `result` event, if any. */
  result: any;
  ms: number;
  timedOut: boolean;
}

export interface ClaudeOptions {
  /** The fake model server's URL. */
  baseUrl: string;
  /** The project directory (cwd). */
  cwd: string;
  /** An empty HOME, so no real user settings, credentials or history are read or written. */
  home: string;
  prompt: string;
  /** Passed as --settings (a JSON string). */
  settings?: object;
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();

/** The environment that keeps the CLI on loopback: the model is ANTHROPIC_BASE_URL, and anything
 * else it would fetch goes to a proxy that is not there. */
export function claudeEnv(options: Pick<ClaudeOptions, "baseUrl" | "home" | "env">): Record<string, string> {
  return {
    PATH: [path.dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(path.delimiter),
    HOME: options.home,
    USER: "palisade-test",
    LANG: "C.UTF-8",
    TMPDIR: process.env.TMPDIR ?? "/tmp",
    ANTHROPIC_BASE_URL: options.baseUrl,
    ANTHROPIC_API_KEY: "test",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_ERROR_REPORTING: "1",
    DISABLE_BUG_COMMAND: "1",
    CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: "1",
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE: "1",
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: "1",
    HTTPS_PROXY: "http://127.0.0.1:9",
    HTTP_PROXY: "http://127.0.0.1:9",
    NO_PROXY: "127.0.0.1,localhost",
    ...runMarker(),
    ...options.env,
  };
}

/** Runs `claude -p <prompt> --output-format stream-json --verbose` to the end (or kills its whole
 * process group at the deadline). */
export function runClaude(options: ClaudeOptions): Promise<ClaudeRun> {
  const args = ["-p", options.prompt, "--output-format", "stream-json", "--verbose", "--no-session-persistence", "--model", "claude-sonnet-4-5"];
  if (options.settings) args.push("--settings", JSON.stringify(options.settings));
  args.push(...(options.args ?? []));
  const started = Date.now();
  const child = spawn(claudeBinary(), args, { cwd: options.cwd, env: claudeEnv(options), stdio: ["ignore", "pipe", "pipe"], detached: true });
  live.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill(child);
  }, options.timeoutMs ?? 90_000);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      kill(child); // hooks it left behind, if any
      const events: any[] = [];
      for (const line of stdout.split("\n")) {
        if (!line.trim()) continue;
        try {
          events.push(JSON.parse(line));
        } catch {}
      }
      resolve({ code, signal, stdout, stderr, events, result: events.findLast((e) => e.type === "result"), ms: Date.now() - started, timedOut });
    });
  });
}

function kill(child: ChildProcess) {
  try {
    if (child.pid) process.kill(-child.pid, "SIGKILL");
  } catch {}
}

/** Kills every CLI still running (for afterAll / finally). */
export function stopAllClaude() {
  for (const child of live) kill(child);
  live.clear();
}
