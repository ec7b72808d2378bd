// Commands written inside another command's configuration or environment: the git config
// values that git runs as shell commands (`git -c alias.x='!cmd'`, core.pager, …), and the
// environment variables that programs run (`GIT_SSH_COMMAND=cmd git fetch`).
import { parseInto } from "../grammar/index.ts";
import type { Arg, Parser } from "../types.ts";

// git runs some config values as shell commands: `git -c alias.x='!rm -rf /' x`,
// `-c core.pager=…`, `-c core.sshCommand=…`.
const GIT_COMMAND_KEYS = /^(alias\..+|core\.(pager|editor|sshcommand|fsmonitor|askpass)|sequence\.editor|diff\.external|credential\.helper|gpg\.program|pager\..+|.+\.(command|cmd|textconv|driver|clean|smudge|process|program|sshcommand|helper|tool))$/i;

const GIT_GLOBAL_VALUES = ["-c", "-C", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix"];

/** Where git's subcommand is in `rest` (after git's own options), and the `-c` settings before it. */
export function gitGlobals(rest: Arg[]): { sub: number; settings: string[] } {
  let settings: string[] | undefined;
  let i = 1;
  for (; i < rest.length && rest[i]!.text.startsWith("-"); i++) {
    const t = rest[i]!.text;
    if (!GIT_GLOBAL_VALUES.includes(t)) continue;
    const v = rest[++i];
    if (t === "-c" && v) (settings ??= []).push(v.text);
  }
  return { sub: i, settings: settings ?? [] };
}

/** `-c KEY=VALUE` (`settings`, from gitGlobals) and the GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n pairs of `assigns`. */
export function gitConfigCommands(p: Parser, settings: string[], wrappers: string[], assigns: string[]): number[] {
  const env = new Map(assigns.map((a) => [a.slice(0, Math.max(0, a.indexOf("="))), a.slice(a.indexOf("=") + 1)]));
  for (const [name, key] of env) {
    const n = /^GIT_CONFIG_KEY_(\d+)$/.exec(name)?.[1];
    if (n !== undefined) settings.push(`${key}=${env.get(`GIT_CONFIG_VALUE_${n}`) ?? ""}`);
  }
  const idx: number[] = [];
  for (const setting of settings) {
    const eq = setting.indexOf("=");
    if (eq < 0 || !GIT_COMMAND_KEYS.test(setting.slice(0, eq))) continue;
    let value = setting.slice(eq + 1);
    if (/^alias\./i.test(setting)) {
      if (!value.startsWith("!")) continue;
      value = value.slice(1);
    }
    idx.push(...parseInto(p.sh, value, { wrappers: [...wrappers, "git"], fn: p.ctx.fn, depth: p.ctx.depth }));
  }
  return idx;
}

// Environment variables whose value a program runs as a command: git's ssh, pager, diff and
// editor hooks, and the pagers, editors and askpass helpers of other programs.
const COMMAND_VARS = new Set([
  "GIT_SSH_COMMAND", "GIT_SSH", "GIT_PAGER", "GIT_EXTERNAL_DIFF", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "GIT_ASKPASS", "GIT_PROXY_COMMAND",
  "PAGER", "MANPAGER", "SYSTEMD_PAGER", "EDITOR", "VISUAL", "SSH_ASKPASS", "SUDO_ASKPASS", "BROWSER", "LESSOPEN", "LESSCLOSE",
]);
/** Commands that set variables from their arguments: `export PAGER='…'`. */
export const DECLARES = new Set(["export", "declare", "typeset", "readonly", "local"]);

/** The values of COMMAND_VARS among `NAME=value` settings, parsed as the commands they are. */
export function envCommands(p: Parser, settings: readonly string[], wrappers: string[]): number[] {
  const idx: number[] = [];
  for (const a of settings) {
    const eq = a.indexOf("=");
    const name = a.slice(0, eq).replace(/\+$/, "");
    if (eq > 0 && COMMAND_VARS.has(name)) idx.push(...parseInto(p.sh, a.slice(eq + 1), { wrappers: [...wrappers, name], fn: p.ctx.fn, depth: p.ctx.depth }));
  }
  return idx;
}
