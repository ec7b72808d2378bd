// `palisade hook claude-code --print-settings`: the "hooks" fragment of Claude Code's
// settings.json that runs this very install, so that nobody has to work out paths or flags.
// Every hook gets "onFailure": "block": Claude Code (2.1.295 and later) then blocks when the hook
// cannot start, times out or exits with a code it does not expect, instead of going ahead.
import { launcherPath, shellWord } from "../launcher.ts";

export interface SettingsOptions {
  url: string;
  tenant: string | undefined;
  ask: "client" | "approval";
  waitS: number;
  noOpinion: "defer" | "allow";
  /** Print the HTTP hook (the host's /hooks/claude-code route) instead of the command hook. */
  http: boolean;
}

// The events Palisade decides on, and the matcher each takes ("*": every tool; UserPromptSubmit
// has no matcher).
const EVENTS = [["PreToolUse", "*"], ["PostToolUse", "*"], ["UserPromptSubmit", null]] as const;
// Over the hook's own budget (bin/palisade and cli/commands/hook.ts): Claude Code must not kill
// a hook that is still within it. UserPromptSubmit's hook never waits longer than 25 s.
const MARGIN_S = 15;
const PROMPT_TIMEOUT_S = 30;
const KEY_VARIABLE = "PALISADE_KEY";

export function printSettings(o: SettingsOptions): string {
  if (!o.tenant) throw new Error("--print-settings needs the tenant: pass --tenant or set PALISADE_TENANT");
  const toolTimeout = (o.ask === "approval" ? o.waitS : 25) + MARGIN_S;
  const hooks = Object.fromEntries(EVENTS.map(([event, matcher]) => {
    const timeout = event === "UserPromptSubmit" ? PROMPT_TIMEOUT_S : toolTimeout;
    const entry = o.http ? httpHook(o, event, timeout) : commandHook(o, timeout);
    return [event, [{ ...(matcher === null ? {} : { matcher }), hooks: [entry] }]];
  }));
  return JSON.stringify({ hooks }, null, 2);
}

function commandHook(o: SettingsOptions, timeout: number) {
  const words = [launcherPath(), "hook", "claude-code", "--url", o.url, "--tenant", o.tenant!];
  if (o.ask === "approval") words.push("--ask", "approval", "--ask-wait", String(o.waitS));
  if (o.noOpinion === "allow") words.push("--no-opinion", "allow");
  // The key is not here: Claude Code passes its own environment on, so PALISADE_KEY is set there.
  return { type: "command", command: words.map(shellWord).join(" "), timeout, onFailure: "block" };
}

// The event is in the URL, so that a failure before the body is read (a bad key, 413, 429)
// is still answered in that event's shape.
function httpHook(o: SettingsOptions, event: string, timeout: number) {
  const url = new URL(`${o.url.replace(/\/+$/, "")}/v1/tenants/${encodeURIComponent(o.tenant!)}/hooks/claude-code`);
  url.searchParams.set("event", event);
  if (o.ask === "approval") {
    url.searchParams.set("ask", "approval");
    url.searchParams.set("ask_wait", String(Math.min(o.waitS, 55)));
  }
  if (o.noOpinion === "allow") url.searchParams.set("no_opinion", "allow");
  // Claude Code fills in $PALISADE_KEY only because allowedEnvVars names it: the key never
  // sits in the settings file.
  return { type: "http", url: url.toString(), headers: { Authorization: `Bearer $${KEY_VARIABLE}` }, allowedEnvVars: [KEY_VARIABLE], timeout, onFailure: "block" };
}
