// read_only's judgement of one command: a judge for each command whose arguments decide, the
// tables for the rest; and of one parse, with its redirections.
import { ghApi, gitCommand, GH_READS, GIT_READ, GIT_SOMETIMES, GIT_WRITE } from "../git-gh.ts";
import { hasFlag, moduleCommand, operands, redirections, shown, visitCommands, type Finding } from "../shell-call.ts";
import { SHELLS, own, type ShellParse, type SimpleCommand } from "../shell/index.ts";
import { sink } from "../system-paths.ts";
import { curlWrites, wgetWrites } from "./network.ts";
import { sedScripts, sedWrites } from "./sed.ts";
import { READ, SUBS, WRITE } from "./tables.ts";

type ReadOnly = Finding<"write" | "unknown">;
type Judge = (c: SimpleCommand) => ReadOnly | null;

const write = (reason: string): ReadOnly => ({ level: "write", reason });
const unknown = (reason: string): ReadOnly => ({ level: "unknown", reason });
const writes = (c: SimpleCommand, what = "modifies files or system state") => write(`${c.name} ${what}: ${shown(c.argv)}.`);
const when = (test: (c: SimpleCommand) => boolean, what?: string): Judge => (c) => (test(c) ? writes(c, what) : null);

function bySubcommand(c: SimpleCommand): ReadOnly | null {
  const table = SUBS[c.name]!;
  const [sub, sub2] = operands(c.argv, ["-n", "--namespace", "--context", "--kubeconfig", "-C", "--prefix", "-w", "--workspace", "-H", "--host"]);
  const nested = sub === undefined || !table.nested ? undefined : own(table.nested, sub);
  if (nested) return nested.includes(sub2 ?? "") ? null : writes(c);
  if (sub === undefined) {
    if (c.name === "yarn" && c.argv.length === 1) return writes(c, "installs packages");
    return hasFlag(c.argv, "", ["--version", "--help"]) || c.argv.length === 1 ? null : unknown(`Cannot tell whether ${shown(c.argv)} writes.`);
  }
  if (table.read.includes(sub)) {
    if (sub === "audit" && c.argv.includes("fix")) return writes(c);
    if (sub === "plan" && hasFlag(c.argv, "", ["-out"])) return writes(c);
    return null;
  }
  if (table.write.includes(sub)) return writes(c);
  return unknown(`Cannot tell whether ${shown(c.argv)} writes.`);
}

function gitReadOnly(c: SimpleCommand): ReadOnly | null {
  const { sub, args } = gitCommand(c.argv);
  if (args.some((a) => /^--output(=|$)/.test(a))) return write(`git ${sub} --output writes a file: ${shown(c.argv)}.`);
  if (sub === "grep" && args.some((a) => /^(-O|--open-files-in-pager)/.test(a))) return unknown(`git grep -O runs a command: ${shown(c.argv)}.`);
  if (GIT_READ.has(sub)) return null;
  const sometimes = own(GIT_SOMETIMES, sub);
  if (sometimes ? sometimes(args) : GIT_WRITE.has(sub)) return write(`git ${sub} modifies the repository: ${shown(c.argv)}.`);
  return sometimes ? null : unknown(`Cannot tell whether git ${sub} writes (an alias?).`);
}

function ghReadOnly(c: SimpleCommand): ReadOnly | null {
  const [group = "", sub = ""] = c.argv.slice(1);
  if (group.startsWith("-") || ["search", "browse", "status", "help", "version", "completion"].includes(group)) return null;
  if (group === "api") {
    const { method } = ghApi(c.argv);
    return method === "GET" || method === "HEAD" ? null : write(`gh api ${method} changes GitHub state: ${shown(c.argv)}.`);
  }
  // download saves files here; get and token read gh's own settings (gh config get, gh auth token).
  if (sub !== "download" && (GH_READS.has(sub) || sub === "get" || sub === "token")) return null;
  return write(`gh ${group} ${sub} changes GitHub or local state.`);
}

const JUDGES: Record<string, Judge> = {
  git: gitReadOnly,
  gh: ghReadOnly,
  sed: (c) => {
    if (c.argv.some((t) => /^-[nErsuz]*i/.test(t) || t.startsWith("--in-place"))) return writes(c, "edits files in place");
    const scripts = sedScripts(c.argv);
    if (scripts === null) return unknown(`Cannot see the sed script: ${shown(c.argv)}.`);
    return !c.argv.includes("--sandbox") && scripts.some(sedWrites) ? unknown(`The sed script may write files or run commands: ${shown(c.argv)}.`) : null;
  },
  perl: (c) => (c.argv.some((t) => /^-[a-zA-Z]*i/.test(t)) ? writes(c, "edits files in place") : unknown(`perl runs code that may write: ${shown(c.argv)}.`)),
  awk: (c) => {
    // gawk -i LIB loads an awk library: inplace edits files, any other is code nobody sees.
    const lib = c.argv.flatMap((t, i) => (t === "-i" || t === "--include" ? [c.argv[i + 1] ?? ""] : /^-i./.test(t) ? [t.slice(2)] : t.startsWith("--include=") ? [t.slice(10)] : []));
    if (lib.some((l) => /^inplace(\.awk)?$/.test(l))) return writes(c, "edits files in place");
    if (lib.length > 0 || hasFlag(c.argv, "fE", ["--file", "--exec"])) return unknown(`Cannot see the awk program: ${shown(c.argv)}.`);
    const program = operands(c.argv, ["-F", "-v", "--field-separator", "--assign"])[0] ?? "";
    return /system|[>|]/.test(program) ? unknown(`The awk program may write files or run commands: ${shown(c.argv)}.`) : null;
  },
  sort: when((c) => hasFlag(c.argv, "o", ["--output"])),
  uniq: when((c) => operands(c.argv, ["-f", "-s", "-w", "--skip-fields", "--skip-chars", "--check-chars"]).length >= 2),
  tee: when((c) => operands(c.argv).some((t) => !sink(t))),
  dd: when((c) => c.argv.some((t) => t.startsWith("of=") && !sink(t.slice(3)))),
  xxd: when((c) => operands(c.argv, ["-c", "-g", "-l", "-o", "-s", "-n"]).length >= 2),
  date: when((c) => hasFlag(c.argv, "s", ["--set"])),
  hostname: when((c) => operands(c.argv).length > 0),
  find: when((c) => c.argv.some((t) => ["-delete", "-fprint", "-fprint0", "-fprintf", "-fls"].includes(t))),
  fd: () => null,
  rg: (c) => (c.argv.some((t) => t.startsWith("--pre")) ? unknown(`rg --pre runs a command: ${shown(c.argv)}.`) : null),
  curl: when(curlWrites, "writes files or sends data"),
  wget: when(wgetWrites, "writes files or sends data"),
  tar: (c) => {
    if (c.argv.some((t) => /^--(checkpoint-action|to-command|use-compress-program|info-script|new-volume-script|rsh-command)|^-[A-Za-z]*[IF]/.test(t))) {
      return unknown(`tar runs a command: ${shown(c.argv)}.`);
    }
    const mode = c.argv.slice(1).find((t) => !t.startsWith("--")) ?? "";
    const list = c.argv.includes("--list") || (/^-?[A-Za-z]+$/.test(mode) && mode.includes("t"));
    return !list || /[cxruA]/.test(mode.replace(/^-/, "")) ? writes(c) : null;
  },
  iconv: when((c) => hasFlag(c.argv, "o", ["--output"])),
  shuf: when((c) => hasFlag(c.argv, "o", ["--output"])),
  tree: when((c) => hasFlag(c.argv, "o")),
  less: when((c) => hasFlag(c.argv, "oO", ["--log-file", "--LOG-FILE"])),
  dmesg: when((c) => hasFlag(c.argv, "cCDEn", ["--clear", "--read-clear", "--console-off", "--console-on", "--console-level"])),
  ss: when((c) => hasFlag(c.argv, "KD", ["--kill", "--diag"])),
  ifconfig: when((c) => operands(c.argv).length >= 2),
  ip: (c) => {
    if (c.argv.some((t) => /^-(b|ba|bat|batc|batch|force)$/.test(t))) return unknown(`ip runs commands from a file: ${shown(c.argv)}.`);
    const [, verb] = operands(c.argv, ["-n", "-netns", "-f", "-family", "-l", "-loops", "-rc", "-rcvbuf"]);
    return verb === undefined || ["show", "list", "ls", "lst", "get", "help", "monitor"].includes(verb) ? null : writes(c, "changes the network configuration");
  },
  unzip: when((c) => !hasFlag(c.argv, "ltvZp")),
  gzip: when((c) => !hasFlag(c.argv, "clt", ["--stdout", "--to-stdout", "--list", "--test"])),
  mktemp: when((c) => !hasFlag(c.argv, "u", ["--dry-run"])),
  crontab: when((c) => !hasFlag(c.argv, "l")),
  journalctl: when((c) => c.argv.some((t) => /^--(vacuum|rotate|flush|sync|relinquish|setup-keys)/.test(t))),
  pacman: when((c) => !/^-(Q|S[si]|F)/.test(c.argv[1] ?? "")),
  dpkg: when((c) => !/^(-[lLsSp]|--(list|listfiles|status|search|print|get-selections))/.test(c.argv[1] ?? "")),
  rpm: when((c) => !/^-q|^--query/.test(c.argv[1] ?? "")),
};
JUDGES.fdfind = JUDGES.fd!;
JUDGES.gawk = JUDGES.mawk = JUDGES.nawk = JUDGES.awk!;
JUDGES.gunzip = JUDGES.bzip2 = JUDGES.bunzip2 = JUDGES.xz = JUDGES.unxz = JUDGES.zstd = JUDGES.unzstd = JUDGES.lz4 = JUDGES.compress = JUDGES.uncompress = JUDGES.gzip!;
JUDGES.gtar = JUDGES.bsdtar = JUDGES.tar!;
JUDGES.gsed = JUDGES.sed!;
for (const name of Object.keys(SUBS)) JUDGES[name] = bySubcommand;

function judge(c: SimpleCommand): ReadOnly | null {
  const cmd = moduleCommand(c) ?? c;
  const name = cmd.name;
  const special = own(JUDGES, name);
  if (special) return special(cmd);
  if (READ.has(name)) return null;
  if (WRITE.has(name) || name.startsWith("mkfs")) return writes(cmd);
  if (SHELLS.has(name) && cmd.runsStdin) return null; // its script, when visible, is among the commands
  return unknown(`Cannot tell whether \`${shown(cmd.argv)}\` writes; ${name} is not a known read-only command.`);
}

export function readOnlyFindings(parse: ShellParse): ReadOnly[] {
  const found: ReadOnly[] = [];
  for (const r of redirections(parse)) if (r.write && !sink(r.target)) found.push(write(`Writes to ${r.target} (${r.op}).`));
  visitCommands(parse, (c) => {
    const f = c.argv.length > 0 ? judge(c) : null;
    if (f) found.push(f);
  }, (reason) => found.push(unknown(reason)));
  return found;
}
