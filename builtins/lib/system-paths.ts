// Paths as a shell command names them, read lexically (no filesystem): the system paths a
// recursive delete or move must never take, disk and memory devices, and the places output may
// go without writing a file.

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

// How deep below / a path is still a system directory, by its top-level directory: the
// operating system's own trees down to /usr/local/lib or /etc/ssh/sshd_config.d; /root, a
// home, only itself (like ~); the rest (/home, /Users, /var, /opt, /srv, /mnt, …) down to
// their second level (/home/alice, /var/lib, /opt/homebrew, /mnt/data). Anything deeper is
// a directory of some program or user, for risky_action.
const OS_TREES = new Set(["bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "sys", "usr", "nix", "System", "Library"]);
const systemDepth = (top: string) => (OS_TREES.has(top) ? 3 : top === "root" ? 1 : 2);

/**
 * `/`, a system directory (see systemDepth: /usr, /usr/local, /etc/ssh, /var/lib, /home/alice)
 * or everything in one (`/usr/local/*`), a glob at the top level, a home directory.
 */
export function systemPath(path: string): boolean {
  const { base, segs, ups } = normalize(path);
  if (base === "/") {
    const [a] = segs;
    if (a === undefined || (segs.length === 1 && GLOB.test(a))) return true;
    if (!SYSTEM_DIRS.has(a)) return false;
    // `/usr/local/*` is all of /usr/local; `/home/*/.ssh` is in every home, so it is as wide
    // as a system directory too.
    const depth = globOnly(segs.at(-1)!) ? segs.length - 1 : segs.length;
    return depth <= systemDepth(a) || segs.slice(1, systemDepth(a)).some(globOnly);
  }
  return base === "~" && (ups > 0 || segs.length === 0 || (segs.length === 1 && globOnly(segs[0]!)));
}

/** What a recursive delete must never take: system paths, and all of `.`, `..` or `*`. */
export function wipeTarget(path: string): boolean {
  if (systemPath(path)) return true;
  const { base, segs } = normalize(path);
  return base === "." && (segs.length === 0 || (segs.length === 1 && globOnly(segs[0]!)));
}

const SAFE_DEVICES = new Set(["null", "zero", "full", "random", "urandom", "stdin", "stdout", "stderr", "tty", "console", "ptmx", "fd", "pts", "shm", "mqueue", "tcp", "udp"]);

/** A path under /dev that is a disk or memory device rather than a stream. */
export function isDevice(path: string): boolean {
  const { base, segs } = normalize(path);
  return base === "/" && segs[0] === "dev" && segs.length >= 2 && !SAFE_DEVICES.has(segs[1]!);
}

/** Where output may go without writing a file. */
export const sink = (target: string) => /^\/dev\/(null|stdout|stderr|tty|fd\/\d+)$/.test(target) || /^[<>]\(/.test(target);

/** A path that an earlier `cd` changes the meaning of (not absolute, not from home or a variable). */
export const relative = (path: string) => !/^[/~$]/.test(path);

/** The cwd after `cd arg`, from the one before (null: unknown). */
export function nextCwd(cwd: string | null, arg: string | undefined): string | null {
  if (arg === undefined) return "~";
  if (!relative(arg)) return arg;
  return cwd === null || arg === "-" ? null : `${cwd}/${arg}`;
}

