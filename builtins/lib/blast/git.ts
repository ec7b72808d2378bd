// What blast_radius checks in git and gh commands: history rewritten or branches deleted on a
// remote (force pushes, --delete, :ref, --prune, --mirror) and work discarded (reset --hard)
// are catastrophic; tag pushes are for deny_tag_push; other pushes, clean -f and merges of
// pull requests are risky.
import { ghApi, gitCommand, readPush } from "../git-gh.ts";
import { hasFlag, shown } from "../shell-call.ts";
import type { Check } from "./checks.ts";

// `--hard` and the prefixes git takes for it (`--har`).
const isHard = (a: string) => a === "--hard" || (a.length >= 4 && "--hard".startsWith(a));

export const gitCheck: Check = (c, cat, risky, _inCwd, tag) => {
  const { sub, args } = gitCommand(c.argv);
  const what = shown(c.argv);
  if (sub === "push") {
    // --dry-run is not an exemption: the flag is read as loosely as git reads it (`-n`,
    // `--dry`), and the next call will be the push itself.
    const p = readPush(args);
    if (p.force || p.mirror || p.refspecs.some((s) => s.startsWith("+"))) cat(`git force push rewrites history on the remote (catastrophic): ${what}.`);
    if (p.del || p.prune || p.mirror || p.refspecs.some((s) => /^\+?:/.test(s))) cat(`git push deletes branches on the remote (catastrophic): ${what}.`);
    if (p.tags || p.refspecs.some((s) => /(?:^|[+:])refs\/tags\//.test(s))) tag(`git push of tags (releases and deploys run from them): ${what}.`);
    risky(`git push: ${what}.`);
  } else if (sub === "reset" && args.some(isHard)) cat(`git reset --hard discards uncommitted work (catastrophic): ${what}.`);
  else if (sub === "clean" && hasFlag([sub, ...args], "f", ["--force"])) risky("git clean -f deletes untracked files.");
};

export const ghCheck: Check = (c, cat, risky) => {
  const [group, sub] = c.argv.slice(1);
  const what = shown(c.argv);
  if (group === "repo" && sub === "delete") cat(`gh repo delete deletes a repository (catastrophic): ${what}.`);
  else if (group === "pr" && sub === "merge") risky(`gh pr merge merges into the base branch: ${what}.`);
  else if (sub === "delete" || (group === "api" && ghApi(c.argv).method === "DELETE")) risky(`Deletes on GitHub: ${what}.`);
};
