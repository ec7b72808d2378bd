// What blast_radius checks in each command it knows, by name: each check reports what it finds
// as catastrophic (DENY) or risky (risky_action).
import { hasFlag, operands, shown } from "../shell-call.ts";
import { own, type SimpleCommand } from "../shell/index.ts";
import { isDevice, systemPath, wipeTarget } from "../system-paths.ts";
import { ghCheck, gitCheck } from "./git.ts";

// `inCwd` is the path where an earlier `cd` in the same command line took a relative path, or
// null when unknown: `cd / && rm -rf usr` deletes /usr. `tag` reports what deny_tag_push
// decides (a push of tags); a check that finds none leaves it out.
export type Check = (c: SimpleCommand, cat: (r: string) => void, risky: (r: string) => void, inCwd: (path: string) => string | null, tag: (r: string) => void) => void;

const first = (c: SimpleCommand, values: string[] = []) => operands(c.argv, values)[0];
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
  // find's starting points come before its expression (after -H/-L/-P/-D x/-O n).
  find: (c, cat, risky, inCwd) => {
    if (!c.argv.includes("-delete")) return;
    const starts: string[] = [];
    for (let i = 1; i < c.argv.length; i++) {
      const t = c.argv[i]!;
      if (t === "-D") { i++; continue; }
      if (/^-[HLP]$|^-O\d*$/.test(t)) continue;
      if (/^[-(!]/.test(t)) break;
      starts.push(t);
    }
    // What it matches is filtered (`-name '*.o'`), so only a system directory under / is
    // catastrophic; in a home or the cwd it is the risky kind.
    const bad = systemTargets(starts, inCwd, false).filter((t) => t.startsWith("/") || t.includes("(/"));
    if (bad.length > 0) cat(`find -delete in ${bad.join(", ")} (catastrophic).`);
    else risky(`find -delete removes files: ${shown(c.argv)}.`);
  },
  git: gitCheck,
  gh: ghCheck,
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

/** The check for a command, if it is one blast_radius knows. */
export const checkFor = (name: string) => own(BLAST, name) ?? (name.startsWith("mkfs") ? formats : undefined);
