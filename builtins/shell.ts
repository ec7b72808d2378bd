// Policies over the commands an agent runs in a shell tool: blast_radius denies what would
// wreck a machine and asks before what is risky; read_only denies anything that writes.
// Both see through quoting, chains, subshells, `sh -c`, `eval`, sudo and other wrappers (see
// lib/shell/), and never ALLOW a command whose program they cannot see.
import type { PolicyEvent, PolicyResponse, RegistryEntry } from "palisade/sdk";
import { compileGlobs, globListSchema } from "./lib/glob.ts";
import { SHELLS, basename, own, sedWrites, type ShellParse, type SimpleCommand } from "./lib/shell/index.ts";
import { DEFAULT_SHELL_TOOLS, GH_READS, GIT_READ, GIT_SOMETIMES, GIT_WRITE, SHELL_TOOLS_PARAM, ghApi, gitCommand, hasFlag, operands, shellParses, shown, visitCommands, worst } from "./lib/shell-call.ts";

type Finding<L extends string> = { level: L; reason: string };

// ---- paths -------------------------------------------------------------------------------

const SYSTEM_DIRS = new Set([
  "bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "media", "mnt", "nix", "opt", "proc", "root", "run",
  "sbin", "snap", "srv", "sys", "usr", "var", "Applications", "Library", "System", "Users", "Volumes", "cores", "private",
]);
const GLOB = /[*?[]/;
const globOnly = (seg: string) => GLOB.test(seg) && /^[*?.[\]]+$/.test(seg);

// Lexical normalisation: `/tmp/../` is `/`, `~/x/..` is `~`, `$HOME` and `${HOME}` are `~`.
function normalize(path: string): { base: "/" | "~" | "."; segs: string[]; ups: number } {
  let base: "/" | "~" | "." = ".";
  let rest = path;
  const cwd = /^(\$PWD|\$\{PWD\}|~\+)(\/|$)/.exec(path);
  const home = /^(~[A-Za-z0-9_.-]*|\$HOME|\$\{HOME\})(\/|$)/.exec(path);
  if (cwd) rest = path.slice(cwd[1]!.length);
  else if (home) { base = "~"; rest = path.slice(home[1]!.length); }
  else if (path.startsWith("/")) base = "/";
  const segs: string[] = [];
  let ups = 0;
  for (const seg of rest.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg !== "..") segs.push(seg);
    else if (segs.length > 0) segs.pop();
    else if (base !== "/") ups++;
  }
  return { base, segs, ups };
}

/** `/`, a top-level system directory or everything in one, a glob at the top level, a home directory. */
function systemPath(path: string): boolean {
  const { base, segs, ups } = normalize(path);
  if (base === "/") {
    const [a, b] = segs;
    return a === undefined || (segs.length === 1 && (SYSTEM_DIRS.has(a) || GLOB.test(a))) || (segs.length === 2 && SYSTEM_DIRS.has(a) && globOnly(b!));
  }
  return base === "~" && (ups > 0 || segs.length === 0 || (segs.length === 1 && globOnly(segs[0]!)));
}

/** What a recursive delete must never take: system paths, and all of `.`, `..` or `*`. */
function wipeTarget(path: string): boolean {
  if (systemPath(path)) return true;
  const { base, segs } = normalize(path);
  return base === "." && (segs.length === 0 || (segs.length === 1 && globOnly(segs[0]!)));
}

const SAFE_DEVICES = new Set(["null", "zero", "full", "random", "urandom", "stdin", "stdout", "stderr", "tty", "console", "ptmx", "fd", "pts", "shm", "mqueue", "tcp", "udp"]);

/** A path under /dev that is a disk or memory device rather than a stream. */
function isDevice(path: string): boolean {
  const { base, segs } = normalize(path);
  return base === "/" && segs[0] === "dev" && segs.length >= 2 && !SAFE_DEVICES.has(segs[1]!);
}

// ---- blast_radius ------------------------------------------------------------------------

type Blast = Finding<"catastrophic" | "risky">;
// `inCwd` is the path where an earlier `cd` in the same command line took a relative path, or
// null when unknown: `cd / && rm -rf usr` deletes /usr.
type Check = (c: SimpleCommand, cat: (r: string) => void, risky: (r: string) => void, inCwd: (path: string) => string | null) => void;

const PRIVILEGED = new Set(["sudo", "doas", "su", "runuser", "pkexec"]);
const DOWNLOADERS = new Set(["curl", "wget", "fetch", "http", "https", "xh", "aria2c", "lwp-request", "nc", "ncat"]);
const first = (c: SimpleCommand, values: string[] = []) => operands(c.argv, values)[0];

const relative = (path: string) => !/^[/~$]/.test(path);

function nextCwd(cwd: string | null, arg: string | undefined): string | null {
  if (arg === undefined) return "~";
  if (!relative(arg)) return arg;
  return cwd === null || arg === "-" ? null : `${cwd}/${arg}`;
}

/**
 * Targets that are system paths, judged against the cwd when an earlier `cd` makes it known;
 * with `wipe`, all of an unknown cwd (`.`, `*`, `..`) counts too.
 */
const systemTargets = (paths: string[], inCwd: (p: string) => string | null, wipe: boolean) =>
  paths.flatMap((t) => {
    const full = inCwd(t);
    if (full !== null) return systemPath(full) ? [`${t} (${full})`] : [];
    return (wipe ? wipeTarget(t) : systemPath(t)) ? [t] : [];
  });

const recursiveDelete: Check = (c, cat, risky, inCwd) => {
  let recursive = false;
  let noPreserve = false;
  let ended = false;
  const targets: string[] = [];
  // GNU rm takes options anywhere before `--` and accepts unambiguous long-option prefixes.
  for (const t of c.argv.slice(1)) {
    if (!ended && t === "--") ended = true;
    else if (!ended && t.startsWith("--")) {
      if (t.length >= 3 && "--recursive".startsWith(t)) recursive = true;
      else if (t.length >= 4 && "--no-preserve-root".startsWith(t)) noPreserve = true;
    } else if (!ended && t.startsWith("-") && t.length > 1) {
      if (/[rR]/.test(t)) recursive = true;
    } else targets.push(t);
  }
  if (!recursive) return;
  const bad = systemTargets(targets, inCwd, true);
  if (bad.length > 0) cat(`Recursive delete of ${bad.join(", ")} (catastrophic).`);
  else if (noPreserve) cat("Recursive delete with --no-preserve-root (catastrophic).");
  else risky(`Recursive delete of ${targets.length > 0 ? targets.join(" ") : "paths from standard input"}.`);
};

// chmod/chown/chgrp -R: the first operand is the mode or owner unless --reference gives it.
const recursiveOwnership: Check = (c, cat, _risky, inCwd) => {
  if (!hasFlag(c.argv, "R", ["--recursive"])) return;
  const ops = operands(c.argv);
  const bad = systemTargets(c.argv.some((t) => t.startsWith("--reference")) ? ops : ops.slice(1), inCwd, false);
  if (bad.length > 0) cat(`Recursive ${c.name} of ${bad.join(", ")} (catastrophic).`);
};

const formats: Check = (c, cat) => cat(`${c.name} formats a filesystem (catastrophic).`);
const devicesIn = (paths: string[]) => paths.filter(isDevice);

function publishes(verbs: string[]): Check {
  return (c, _cat, risky) => {
    const ops = operands(c.argv, ["-w", "--workspace", "--prefix", "--registry", "--context", "-H", "--host", "--config"]);
    if (verbs.some((v) => v.split(" ").every((w, i) => ops[i] === w))) risky(`Publishes: ${shown(c.argv)}.`);
  };
}

const BLAST: Record<string, Check> = {
  rm: recursiveDelete,
  chmod: recursiveOwnership, chown: recursiveOwnership, chgrp: recursiveOwnership,
  mkfs: formats, mke2fs: formats, mkswap: formats, mkdosfs: formats, mkntfs: formats, newfs: formats,
  dd: (c, cat) => {
    const of = c.argv.find((t) => t.startsWith("of="))?.slice(3);
    if (of !== undefined && isDevice(of)) cat(`dd writes to device ${of} (catastrophic).`);
  },
  tee: (c, cat) => {
    const d = devicesIn(operands(c.argv));
    if (d.length > 0) cat(`Write to device ${d.join(", ")} (catastrophic).`);
  },
  cp: (c, cat) => {
    const dest = operands(c.argv, ["-t", "--target-directory", "-S", "--suffix"]).at(-1);
    if (dest !== undefined && isDevice(dest)) cat(`Write to device ${dest} (catastrophic).`);
  },
  mv: (c, cat, _risky, inCwd) => {
    const ops = operands(c.argv, ["-t", "--target-directory", "-S", "--suffix"]);
    const bad = systemTargets(ops.slice(0, -1), inCwd, false);
    if (bad.length > 0) cat(`Move of ${bad.join(", ")} (catastrophic).`);
    const dest = ops.at(-1);
    if (dest !== undefined && ops.length > 1 && isDevice(dest)) cat(`Write to device ${dest} (catastrophic).`);
  },
  shred: (c, cat, risky) => {
    const ops = operands(c.argv, ["-n", "--iterations", "-s", "--size", "--random-source"]);
    const d = devicesIn(ops);
    if (d.length > 0) cat(`shred of device ${d.join(", ")} (catastrophic).`);
    else risky(`shred destroys ${ops.join(" ") || "files"}.`);
  },
  wipefs: (c, cat, risky) => {
    if (hasFlag(c.argv, "n", ["--no-act"])) return;
    const ops = operands(c.argv, ["-o", "--offset", "-t", "--types", "-b", "--backup"]);
    const d = devicesIn(ops);
    if (d.length > 0) cat(`wipefs of device ${d.join(", ")} (catastrophic).`);
    else risky(`wipefs erases signatures on ${ops.join(" ")}.`);
  },
  find: (c, _cat, risky) => {
    if (c.argv.includes("-delete")) risky(`find -delete removes files: ${shown(c.argv)}.`);
  },
  git: (c, _cat, risky) => {
    const { sub, args } = gitCommand(c.argv);
    const argv = [sub, ...args];
    if (sub === "push") {
      const force = hasFlag(argv, "f", ["--force", "--force-with-lease", "--force-if-includes", "--mirror"]) || operands(argv).some((o) => o.startsWith("+"));
      risky(force ? `git force push: ${shown(c.argv)}.` : `git push: ${shown(c.argv)}.`);
    } else if (sub === "reset" && args.includes("--hard")) risky("git reset --hard discards changes.");
    else if (sub === "clean" && hasFlag(argv, "f", ["--force"])) risky("git clean -f deletes untracked files.");
  },
  npm: publishes(["publish"]), pnpm: publishes(["publish"]), yarn: publishes(["publish", "npm publish"]), bun: publishes(["publish"]),
  cargo: publishes(["publish"]), gem: publishes(["push"]), twine: publishes(["upload"]), pip: publishes(["upload"]), pip3: publishes(["upload"]),
  poetry: publishes(["publish"]), uv: publishes(["publish"]), flit: publishes(["publish"]), hatch: publishes(["publish"]),
  docker: publishes(["push", "image push"]), podman: publishes(["push", "image push"]), buildah: publishes(["push"]), dotnet: publishes(["nuget push"]),
  kubectl: (c, _cat, risky) => {
    if (first(c, ["-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-s", "--server", "--token", "--as"]) === "delete") risky(`kubectl delete: ${shown(c.argv)}.`);
  },
  helm: (c, _cat, risky) => {
    const verb = first(c, ["-n", "--namespace", "--kube-context", "--kubeconfig"]);
    if (verb === "uninstall" || verb === "delete") risky(`helm ${verb}: ${shown(c.argv)}.`);
  },
  terraform: (c, _cat, risky) => {
    const verb = first(c);
    if (verb === "destroy" || verb === "apply") risky(`terraform ${verb}.`);
  },
  pulumi: (c, _cat, risky) => {
    if (first(c, ["-s", "--stack", "-C", "--cwd"]) === "destroy") risky("pulumi destroy.");
  },
};
BLAST.tofu = BLAST.terraform!;

const checkFor = (name: string) => own(BLAST, name) ?? (name.startsWith("mkfs") ? formats : undefined);
const PRINTS = new Set(["echo", "printf"]);

// A program this policy does not know may run its arguments as a command (`firejail rm -rf /`,
// a runner nobody listed): what would be catastrophic there is risky here. The first few
// words that name a checked command are tried.
function runsArguments(c: SimpleCommand, risky: (r: string) => void, inCwd: (p: string) => string | null): void {
  let tried = 0;
  for (let k = 1; k < c.argv.length && tried < 4; k++) {
    const name = basename(c.argv[k]!);
    const check = checkFor(name);
    if (!check) continue;
    tried++;
    const argv = c.argv.slice(k);
    check({ ...c, name, argv }, (r) => risky(`${c.name} may run ${shown(argv)}: ${r}`), () => {}, inCwd);
  }
}

// `python -m twine upload`, `python3 -m pip …`: judge the module as the command.
function moduleCommand(c: SimpleCommand): SimpleCommand | null {
  const m = c.argv.indexOf("-m");
  if (!/^python[0-9.]*$/.test(c.name) || m < 0 || !c.argv[m + 1]) return null;
  return { ...c, name: c.argv[m + 1]!, argv: c.argv.slice(m + 1) };
}

/** Each redirection once: a group's are on every command in it (`{ …; } > out`). */
const redirections = (parse: ShellParse) => new Set(parse.commands.flatMap((c) => c.redirects));

/** The downloader at the start of the pipe into `c`, when `c` runs its standard input as code. */
function downloadInto(commands: SimpleCommand[], c: SimpleCommand): string | null {
  if (!c.runsStdin) return null;
  const seen = new Set<number>();
  const queue = [...c.pipedFrom];
  while (queue.length > 0 && seen.size < 64) {
    const i = queue.shift()!;
    if (seen.has(i)) continue;
    seen.add(i);
    const from = commands[i]!;
    if (DOWNLOADERS.has(from.name)) return from.name;
    queue.push(...from.pipedFrom);
  }
  return null;
}

function blastFindings(parse: ShellParse): Blast[] {
  const found: Blast[] = [];
  const cat = (reason: string) => found.push({ level: "catastrophic", reason });
  const risky = (reason: string) => found.push({ level: "risky", reason });
  let cwd: string | null = null;
  const inCwd = (path: string) => (cwd !== null && relative(path) ? `${cwd}/${path}` : null);
  // A download piped into a shell is the finding, whether or not its script can be seen.
  const download = (c: SimpleCommand) => {
    const from = downloadInto(parse.commands, c);
    if (from) risky(`Pipes a download from ${from} into ${c.name}.`);
    return from !== null;
  };
  for (const r of redirections(parse)) if (r.write && isDevice(r.target)) cat(`Write to device ${r.target} (catastrophic).`);
  visitCommands(parse, (c) => {
    if (c.name === "cd") cwd = nextCwd(cwd, operands(c.argv)[0]);
    download(c);
    if (c.argv.length === 0) return;
    const priv = [...c.wrappers, c.name].find((w) => PRIVILEGED.has(w));
    if (priv) risky(`Runs with ${priv}: ${shown(c.argv)}.`);
    if (c.inFunction !== null && c.name === c.inFunction && (c.background || c.pipedTo.length > 0 || c.pipedFrom.length > 0)) {
      cat(`Fork bomb: function ${c.name} starts copies of itself (catastrophic).`);
    }
    const cmd = moduleCommand(c) ?? c;
    const check = checkFor(cmd.name);
    if (check) check(cmd, cat, risky, inCwd);
    else if (!PRINTS.has(cmd.name)) runsArguments(cmd, risky, inCwd);
  }, (reason, c) => {
    if (!c || !download(c)) risky(reason);
  });
  return found;
}

export function blast_radius({ risky_action = "ASK", shell_tools = DEFAULT_SHELL_TOOLS }: { risky_action?: "ASK" | "DENY"; shell_tools?: string[] }) {
  const isShell = compileGlobs(shell_tools);
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call" || !isShell(event.data.name)) return null;
    const { parses, problem } = shellParses(event.data.arguments);
    if (problem) return { result: risky_action, reason: problem };
    const w = worst(parses.flatMap(blastFindings), ["catastrophic", "risky"] as const);
    if (!w) return { result: "ALLOW" };
    return { result: w.level === "catastrophic" ? "DENY" : risky_action, reason: w.reason };
  };
}

// ---- read_only ---------------------------------------------------------------------------

type ReadOnly = Finding<"write" | "unknown">;
type Judge = (c: SimpleCommand) => ReadOnly | null;

const write = (reason: string): ReadOnly => ({ level: "write", reason });
const unknown = (reason: string): ReadOnly => ({ level: "unknown", reason });
const writes = (c: SimpleCommand, what = "modifies files or system state") => write(`${c.name} ${what}: ${shown(c.argv)}.`);
const when = (test: (c: SimpleCommand) => boolean, what?: string): Judge => (c) => (test(c) ? writes(c, what) : null);

/** Where output may go without writing a file. */
const sink = (target: string) => /^\/dev\/(null|stdout|stderr|tty|fd\/\d+)$/.test(target) || /^[<>]\(/.test(target);

const READ = new Set([
  "ls", "ll", "dir", "vdir", "cat", "tac", "head", "tail", "more", "grep", "egrep", "fgrep", "zgrep", "ag", "ack", "wc", "cut", "tr",
  "diff", "cmp", "comm", "file", "stat", "du", "df", "which", "whereis", "type", "whoami", "id", "groups", "uname", "pwd", "echo",
  "printf", "true", "false", "test", "[", "[[", ":", "sleep", "seq", "basename", "dirname", "realpath", "readlink", "md5sum", "sha1sum",
  "sha224sum", "sha256sum", "sha384sum", "sha512sum", "shasum", "cksum", "b2sum", "sum", "base32", "base64", "hexdump", "od", "strings",
  "nl", "rev", "fold", "column", "paste", "join", "expand", "unexpand", "fmt", "pr", "jq", "ps", "pgrep", "pidof", "uptime", "free", "w",
  "who", "last", "lscpu", "lsblk", "lsof", "lsusb", "lspci", "env", "printenv", "locale", "cd", "pushd", "popd", "dirs", "export", "unset",
  "set", "shopt", "history", "hash", "man", "help", "info", "tldr", "apropos", "whatis", "cal", "expr", "bc", "dc", "factor", "yes",
  "nproc", "arch", "tty", "getconf", "ulimit", "umask", "read", "local", "declare", "typeset", "readonly", "shift", "return", "exit",
  "break", "continue", "wait", "jobs", "trap", "getopts", "let", "zcat", "bzcat", "xzcat", "zstdcat", "zless", "zipinfo", "ping", "dig",
  "host", "nslookup", "whois", "traceroute", "netstat", "vmstat", "iostat", "top", "htop", "xargs", "command",
  "exec", "alias", "tput", "clear", "look", "numfmt", "cygpath", "sw_vers", "lsattr", "getfacl", "namei", "mountpoint",
  "findmnt", "id", "logname", "users", "finger", "file", "identify", "exiftool", "pdftotext", "ldd", "nm", "objdump", "readelf",
]);

const WRITE = new Set([
  "rm", "rmdir", "mv", "cp", "mkdir", "touch", "ln", "link", "unlink", "chmod", "chown", "chgrp", "chattr", "setfacl", "truncate",
  "shred", "wipefs", "mke2fs", "mkswap", "install", "rsync", "scp", "sftp", "patch", "fallocate", "mkfifo", "mknod", "split", "csplit",
  "ed", "ex", "sponge", "zip", "kill", "pkill", "killall", "reboot", "shutdown", "halt", "poweroff", "service", "mount", "umount",
  "useradd", "userdel", "usermod", "groupadd", "groupdel", "passwd", "chpasswd", "visudo", "dpkg-reconfigure", "update-alternatives",
  "swapon", "swapoff", "modprobe", "insmod", "rmmod", "sysctl", "iptables", "nft", "ufw", "launchctl", "defaults", "npx", "pnpx", "bunx",
]);

// Tools judged by their subcommand: `read` ones are fine, `write` ones are denied, others ask.
// `nested` groups are judged by their second word (`docker image ls`, `kubectl config view`).
const SUBS: Record<string, { read: string[]; write: string[]; nested?: Record<string, string[]> }> = {
  npm: {
    read: ["ls", "list", "ll", "la", "view", "v", "info", "show", "outdated", "search", "s", "find", "help", "whoami", "ping", "explain", "why", "query", "fund", "doctor", "prefix", "root", "bin", "docs", "bugs", "repo", "audit"],
    write: ["install", "i", "in", "add", "ci", "uninstall", "un", "remove", "rm", "r", "unlink", "update", "up", "upgrade", "publish", "unpublish", "link", "ln", "dedupe", "prune", "rebuild", "init", "create", "version", "pack", "deprecate", "dist-tag", "owner", "access", "token", "login", "logout", "adduser", "set", "cache"],
  },
  pip: { read: ["list", "show", "freeze", "check", "search", "help", "index", "inspect", "debug"], write: ["install", "uninstall", "download", "wheel", "cache"] },
  cargo: { read: ["tree", "metadata", "search", "version", "help", "locate-project", "pkgid", "verify-project", "read-manifest", "info"], write: ["install", "uninstall", "publish", "add", "remove", "rm", "new", "init", "update", "fix", "fmt", "clean", "yank", "owner", "login", "logout", "vendor", "generate-lockfile"] },
  go: { read: ["version", "env", "list", "doc", "help"], write: ["get", "install", "mod", "fmt", "generate", "clean", "work", "fix"] },
  docker: { read: ["ps", "images", "inspect", "logs", "version", "info", "stats", "top", "port", "diff", "history", "search", "events"], write: ["run", "rm", "rmi", "kill", "stop", "start", "restart", "exec", "build", "push", "pull", "tag", "create", "commit", "cp", "prune", "load", "import", "save", "login", "logout", "pause", "unpause", "rename", "update", "attach", "compose", "image", "container", "volume", "network", "system", "buildx", "swarm", "service", "stack", "secret", "config", "node", "plugin", "context", "trust", "builder"] },
  kubectl: { read: ["get", "describe", "logs", "top", "explain", "version", "api-resources", "api-versions", "cluster-info", "diff", "auth", "events", "wait"], write: ["apply", "create", "delete", "edit", "patch", "replace", "scale", "rollout", "set", "label", "annotate", "expose", "run", "exec", "cp", "drain", "cordon", "uncordon", "taint", "autoscale", "port-forward", "proxy", "attach", "debug", "config", "certificate", "kustomize"] },
  helm: { read: ["list", "ls", "status", "get", "history", "show", "search", "version", "template", "lint", "env", "verify"], write: ["install", "upgrade", "uninstall", "delete", "rollback", "repo", "push", "package", "pull", "dependency", "plugin", "registry", "create", "test"] },
  systemctl: { read: ["status", "show", "list-units", "list-unit-files", "list-sockets", "list-timers", "list-jobs", "list-dependencies", "is-active", "is-enabled", "is-failed", "is-system-running", "cat", "help", "get-default"], write: ["start", "stop", "restart", "reload", "enable", "disable", "mask", "unmask", "kill", "daemon-reload", "reboot", "poweroff", "halt", "suspend", "hibernate", "isolate", "edit", "set-default", "reset-failed", "try-restart", "reload-or-restart", "link", "revert", "preset", "set-property"] },
  brew: { read: ["list", "ls", "info", "search", "desc", "deps", "uses", "outdated", "config", "doctor", "leaves", "home", "--version", "--prefix", "--cellar", "--repository", "log", "cat", "formulae", "casks", "commands"], write: ["install", "uninstall", "remove", "rm", "reinstall", "upgrade", "update", "tap", "untap", "link", "unlink", "cleanup", "pin", "unpin", "services", "autoremove", "edit", "create", "bundle"] },
  apt: { read: ["list", "search", "show", "policy", "depends", "rdepends", "showsrc", "changelog", "help"], write: ["install", "remove", "purge", "upgrade", "update", "dist-upgrade", "full-upgrade", "autoremove", "autoclean", "clean", "reinstall", "build-dep", "source", "download", "satisfy", "edit-sources"] },
  dnf: { read: ["list", "search", "info", "provides", "repolist", "repoquery", "deplist", "history", "check-update", "help"], write: ["install", "remove", "erase", "upgrade", "update", "downgrade", "reinstall", "autoremove", "clean", "makecache", "group", "module", "swap", "distro-sync"] },
  apk: { read: ["info", "search", "list", "policy", "dot", "stats", "audit", "version"], write: ["add", "del", "update", "upgrade", "fix", "cache"] },
  gem: { read: ["list", "search", "info", "query", "contents", "environment", "specification", "which", "help", "outdated", "dependency"], write: ["install", "uninstall", "update", "push", "build", "cleanup", "yank", "owner", "signin", "signout", "pristine"] },
  terraform: { read: ["show", "output", "validate", "version", "providers", "graph", "plan", "console", "help"], write: ["apply", "destroy", "import", "taint", "untaint", "init", "fmt", "refresh", "state", "workspace", "force-unlock", "login", "logout", "get"] },
};
const LISTING = ["ls", "list", "inspect", "logs", "history", "ps", "df", "info", "images", "top", "version", "show", "port", "events", "status", "get", "view"];
SUBS.docker!.nested = Object.fromEntries(["image", "container", "volume", "network", "system", "compose", "context", "buildx", "node", "plugin", "secret", "config", "service", "stack", "builder"].map((g) => [g, LISTING]));
SUBS.kubectl!.nested = { config: ["view", "get-contexts", "current-context", "get-clusters", "get-users"], rollout: ["status", "history"] };
SUBS.helm!.nested = { repo: ["list", "ls"], dependency: ["list", "ls"], plugin: ["list", "ls"] };
SUBS.terraform!.nested = { state: ["list", "show", "pull"], workspace: ["list", "show"] };
SUBS.npm!.nested = { config: ["get", "list", "ls"], cache: ["ls", "verify"] };
SUBS.brew!.nested = { services: ["list", "info"] };
SUBS.pnpm = SUBS.yarn = SUBS.bun = SUBS.npm!;
SUBS.pip3 = SUBS.pipx = SUBS.pip!;
SUBS.podman = SUBS.docker!;
SUBS["apt-get"] = SUBS.apt!;
SUBS.yum = SUBS.dnf!;
SUBS.tofu = SUBS.terraform!;

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

/** The scripts of a sed command (-e, --expression, else the first operand); null when one is in a file (-f). */
function sedScripts(argv: readonly string[]): string[] | null {
  const scripts: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === "--") break;
    if (t.startsWith("--")) {
      const [name, value] = t.includes("=") ? [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)] : [t, undefined];
      if (name === "--file") return null;
      if (name === "--expression") scripts.push(value ?? argv[++i] ?? "");
      else if (name === "--line-length" && value === undefined) i++;
    } else if (t.startsWith("-")) {
      for (let k = 1; k < t.length; k++) {
        if (t[k] === "f") return null;
        if (t[k] !== "e" && t[k] !== "l") continue;
        const value = k < t.length - 1 ? t.slice(k + 1) : argv[++i] ?? "";
        if (t[k] === "e") scripts.push(value);
        break;
      }
    }
  }
  return scripts.length > 0 ? scripts : operands(argv, ["-l", "--line-length"]).slice(0, 1);
}

// curl's one-letter options that take a value (the rest of a cluster, or the next word).
const CURL_VALUE = "AbcCdDeEFHKmoPQrtTuUwxXyYz";
const CURL_OUT = ["--output", "--dump-header", "--cookie-jar", "--upload-file", "--trace", "--trace-ascii", "--stderr", "--output-dir"];

function curlWrites(c: SimpleCommand): boolean {
  const a = c.argv;
  const get = hasFlag(a, "G", ["--get"]);
  const toFile = (v: string) => v !== "-" && !sink(v);
  for (let i = 1; i < a.length; i++) {
    const t = a[i]!;
    if (t.startsWith("--")) {
      const eq = t.indexOf("=");
      const name = eq < 0 ? t : t.slice(0, eq);
      const value = eq < 0 ? (a[i + 1] ?? "") : t.slice(eq + 1);
      if ((CURL_OUT.includes(name) && toFile(value)) || ["--remote-name", "--remote-name-all", "--remote-header-name"].includes(name)) return true;
      if ((/^--(data|form|json)/.test(name) && !get) || (name === "--request" && !/^(GET|HEAD)$/i.test(value))) return true;
    } else if (t.startsWith("-") && t.length > 1) {
      for (let k = 1; k < t.length; k++) {
        const ch = t[k]!;
        if (ch === "O" || ch === "J") return true;
        if (!CURL_VALUE.includes(ch)) continue;
        const value = k < t.length - 1 ? t.slice(k + 1) : (a[++i] ?? "");
        if (("oDcT".includes(ch) && toFile(value)) || ("dF".includes(ch) && !get) || (ch === "X" && !/^(GET|HEAD)$/i.test(value))) return true;
        break;
      }
    }
  }
  return false;
}

function wgetWrites(c: SimpleCommand): boolean {
  const a = c.argv;
  if (a.some((t) => t === "--spider" || /^--(post-data|post-file|body-data|body-file)/.test(t) || (/^--method=/.test(t) && !/=(GET|HEAD)$/i.test(t)))) return !a.includes("--spider");
  for (let i = 1; i < a.length; i++) {
    const t = a[i]!;
    const v = t === "-O" || t === "--output-document" ? a[i + 1] : t.startsWith("--output-document=") ? t.slice(18) : /^-[a-zA-Z]*O./.test(t) ? t.slice(t.indexOf("O") + 1) : /^-[a-zA-Z]*O$/.test(t) ? a[i + 1] : undefined;
    if (v !== undefined) return !(v === "-" || sink(v));
  }
  return true;
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

function readOnlyFindings(parse: ShellParse): ReadOnly[] {
  const found: ReadOnly[] = [];
  for (const r of redirections(parse)) if (r.write && !sink(r.target)) found.push(write(`Writes to ${r.target} (${r.op}).`));
  visitCommands(parse, (c) => {
    const f = c.argv.length > 0 ? judge(c) : null;
    if (f) found.push(f);
  }, (reason) => found.push(unknown(reason)));
  return found;
}

const DEFAULT_WRITE_TOOLS = [
  "write_*", "*_write", "edit_*", "*_edit", "create_*", "*_create", "delete_*", "*_delete", "remove_*", "*_remove", "move_*", "*_move",
  "rename_*", "*_rename", "copy_*", "update_*", "*_update", "patch_*", "apply_patch", "str_replace*", "insert_*", "append_*",
  "multi_edit", "multiedit", "notebook_edit", "notebookedit", "mkdir", "make_directory", "upload_*", "push_*", "merge_*", "commit_*",
];

export function read_only({ write_tools = DEFAULT_WRITE_TOOLS, shell_tools = DEFAULT_SHELL_TOOLS }: { write_tools?: string[]; shell_tools?: string[] }) {
  const isWrite = compileGlobs(write_tools);
  const isShell = compileGlobs(shell_tools);
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call") return null;
    const tool = event.data.name;
    if (isWrite(tool)) return { result: "DENY", reason: `Tool ${tool} writes; this agent is read-only.` };
    if (!isShell(tool)) return null;
    const { parses, problem } = shellParses(event.data.arguments);
    if (problem) return { result: "ASK", reason: problem };
    const w = worst(parses.flatMap(readOnlyFindings), ["write", "unknown"] as const);
    if (!w) return { result: "ALLOW" };
    return w.level === "write" ? { result: "DENY", reason: `Read-only: ${w.reason}` } : { result: "ASK", reason: w.reason };
  };
}

// ---- registry ----------------------------------------------------------------------------

export const SHELL_POLICIES: RegistryEntry[] = [
  {
    handler: "palisade.builtins.blast_radius", kind: "factory", name: "Shell Blast Radius",
    description:
      "Checks the commands a shell tool would run, seeing through quoting, chains, subshells, sh -c, eval, sudo and other wrappers. " +
      "DENY for catastrophic commands: recursive delete (rm -r/-R/--recursive in any flag order) of /, /*, ~, $HOME, ., .., * or a " +
      "top-level system directory, or with --no-preserve-root; mkfs and friends; dd of=/dev/…, redirects, tee or cp to a disk " +
      "device; fork bombs; recursive chmod/chown/chgrp of a system path; moving a system path; shred or wipefs of a device. " +
      "risky_action (ASK by default) for risky commands: any other recursive delete, git push (force or not), git reset --hard, " +
      "git clean -f, a download piped into a shell or interpreter (curl … | sh), sudo/doas/su, publishing packages or images " +
      "(npm/pnpm/yarn publish, twine upload, cargo publish, gem push, docker push, …), kubectl delete, helm uninstall, terraform " +
      "destroy/apply, find -delete, shred, a catastrophic command among the arguments of a program it does not know " +
      "(`bwrap … rm -rf /`); and for commands it cannot see (a variable or substitution as the program, " +
      "`bash -c \"$X\"`, a shell reading its script from a pipe, a file or its input), that do not parse, or that are over 64 KiB. ALLOW otherwise. Other tools: no opinion.",
    params_schema: {
      type: "object", additionalProperties: false,
      properties: {
        risky_action: { type: "string", enum: ["ASK", "DENY"], default: "ASK", description: "The verdict for risky (not catastrophic) commands and for commands that cannot be analysed." },
        shell_tools: SHELL_TOOLS_PARAM,
      },
    },
  },
  {
    handler: "palisade.builtins.read_only", kind: "factory", name: "Read-Only Agent",
    description:
      "Keeps an agent from changing anything. DENY for calls to write tools (by name) and for shell commands that write: file " +
      "commands (rm, mv, cp, mkdir, touch, ln, chmod, tee, dd of=, sed -i, sort -o, …), redirects to files (> and >> other than " +
      "/dev/null), git commands that change the repository (commit, push, merge, rebase, reset, checkout, branch -d, …), package " +
      "installs, gh/curl/wget calls that send data or save files, service and process control. ASK for commands it does not know " +
      "as read-only (scripts, interpreters, build tools, git aliases) and for commands it cannot see or parse. ALLOW for read-only " +
      "commands (ls, cat, grep, find without -delete, git status/log/diff, …). Other tools: no opinion.",
    params_schema: {
      type: "object", additionalProperties: false,
      properties: {
        write_tools: globListSchema("Names (or glob patterns, * and ?, case-insensitive) of tools that write; every call to one is denied.", { default: DEFAULT_WRITE_TOOLS, minItems: 0 }),
        shell_tools: SHELL_TOOLS_PARAM,
      },
    },
  },
];
