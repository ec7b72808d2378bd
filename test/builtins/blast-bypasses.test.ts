// The classes of issue 16 where blast_radius was looser than the original, each row a sibling
// of a case that got through (another flag spelling, another system directory), with the near
// misses that stay as they were.
import { describe, expect, it } from "vitest";
import { run, toolCall } from "../helpers/builtins.ts";

async function blast(command: string, params: Record<string, unknown> = {}) {
  const outcome = await run("blast_radius", params, toolCall("bash", { command: command.split(" — ")[0]! }));
  expect(outcome.error).toBeNull();
  return outcome.result;
}

describe("blast_radius: git history and remote branches", () => {
  it.each([
    // force pushes, however spelled
    ["git push --force origin main", "DENY"],
    ["git push -f", "DENY"],
    ["git push origin main -f", "DENY"],
    ["git push -uf origin main", "DENY"],
    ["git push -fu origin main", "DENY"],
    ["git push -vfq origin main", "DENY"],
    ["git push --force-with-lease origin main", "DENY"],
    ["git push --force-with-lease=main:abc123 origin main", "DENY"],
    ["git push --force-if-includes --force-with-lease origin main", "DENY"],
    ["git push --forc origin main — an abbreviation git accepts", "DENY"],
    ["git push origin +main", "DENY"],
    ["git push origin +HEAD:refs/heads/main", "DENY"],
    ["git push origin 'refs/heads/*:refs/heads/*' +feature", "DENY"],
    ["git push --mirror git@github.com:me/x.git", "DENY"],
    ["git push --mirr origin", "DENY"],
    ["git -C repo push -f origin main", "DENY"],
    ["git -c alias.p='push -f' p origin main", "DENY"],
    ["sudo -u dev git push --force", "DENY"],
    // deleting remote branches
    ["git push origin --delete old", "DENY"],
    ["git push --delete origin old", "DENY"],
    ["git push -d origin old", "DENY"],
    ["git push origin -d old", "DENY"],
    ["git push --dele origin old", "DENY"],
    ["git push origin :old", "DENY"],
    ["git push origin +:old", "DENY"],
    ["git push --prune origin 'refs/heads/*:refs/heads/*'", "DENY"],
    // discarding work
    ["git reset --hard", "DENY"],
    ["git reset --hard HEAD~3", "DENY"],
    ["git reset -q --hard origin/main", "DENY"],
    ["git reset --har", "DENY"],
    ["cd repo && git reset --hard", "DENY"],
    // gh
    ["gh repo delete me/x --yes", "DENY"],
    ["gh pr merge 3 --squash", "ASK"],
    ["gh pr merge", "ASK"],
    ["gh release delete v1 -y", "ASK"],
    ["gh api -X DELETE repos/me/x/git/refs/heads/old", "ASK"],
    // near misses
    ["git push origin main", "ASK"],
    ["git push -u origin feature/x", "ASK"],
    ["git push --dry-run -f origin main — no exemption for a dry run", "DENY"],
    ["git reset --soft HEAD~1", "ALLOW"],
    ["git reset HEAD file.txt", "ALLOW"],
    ["git fetch --prune", "ALLOW"],
    ["git branch -d old", "ALLOW"],
    ["gh pr view 3", "ALLOW"],
    ["echo git push -f", "ALLOW"],
  ] as const)("%s → %s", async (command, result) => {
    expect(await blast(command)).toBe(result);
  });

  it("says why", async () => {
    expect((await run("blast_radius", {}, toolCall("bash", { command: "git push -uf origin main" }))).reason).toMatch(/force push rewrites history/);
    expect((await run("blast_radius", {}, toolCall("bash", { command: "git push origin :old" }))).reason).toMatch(/deletes branches on the remote/);
  });
});

describe("blast_radius: tag pushes (deny_tag_push, on by default)", () => {
  it.each([
    ["git push --tags", "DENY", "ASK"],
    ["git push origin --tags", "DENY", "ASK"],
    ["git push --follow-tags origin main", "DENY", "ASK"],
    ["git push --follow-t origin main", "DENY", "ASK"],
    ["git push origin refs/tags/v1.0", "DENY", "ASK"],
    ["git push origin v1.0:refs/tags/v1.0", "DENY", "ASK"],
    ["git push origin tag v1.0", "DENY", "ASK"],
    ["git push origin main tag v2", "DENY", "ASK"],
    ["git push origin v1.0 — a tag or a branch: cannot be told, an ordinary push", "ASK", "ASK"],
    ["git push origin main", "ASK", "ASK"],
    ["git tag v1.0 — a local tag", "ALLOW", "ALLOW"],
  ] as const)("%s → %s by default, %s without deny_tag_push", async (command, byDefault, off) => {
    expect(await blast(command)).toBe(byDefault);
    expect(await blast(command, { deny_tag_push: false })).toBe(off);
  });

  it("still denies a force push of tags without deny_tag_push", async () => {
    expect(await blast("git push --force --tags", { deny_tag_push: false })).toBe("DENY");
  });
});

describe("blast_radius: recursive deletes of system directories below the top level", () => {
  it.each([
    ...["/usr/local", "/usr/lib", "/usr/bin", "/usr/share", "/usr/local/bin", "/usr/local/lib", "/usr/lib/x86_64-linux-gnu", "/etc/ssh",
      "/etc/ssh/sshd_config.d", "/etc/nginx", "/etc/systemd/system", "/bin/x", "/sbin/x", "/lib/modules", "/lib64/x", "/boot/efi",
      "/boot/grub/x", "/dev/shm", "/proc/1", "/sys/fs", "/nix/store", "/System/Library", "/Library/Frameworks", "/var/lib", "/var/log",
      "/var/cache", "/opt/homebrew", "/srv/www", "/mnt/data", "/media/usb", "/home/alice", "/Users/alice", "/usr/local/*", "/var/lib/*",
      "/usr//local/", "/usr/local/../lib", "/tmp/../usr/local", "/home/*/.ssh", "/usr/*/bin", "/Users/*/Library"].map((path) => [`rm -rf ${path}`, "DENY"] as const),
    ["cd /usr && rm -rf local", "DENY"],
    ["cd /etc; rm -rf ssh", "DENY"],
    ["sudo rm -r --force /etc/ssh", "DENY"],
    ["chmod -R 777 /usr/local", "DENY"],
    ["chown -R me /var/lib", "DENY"],
    ["mv /etc/ssh /tmp/ssh", "DENY"],
    ["find /usr/local -delete", "DENY"],
    ["find -L / -name '*' -delete", "DENY"],
    ["cd /etc && find ssh -delete", "DENY"],
    ["find ~ -name '*.pyc' -delete", "ASK"],
    ["find . -name '*.o' -delete", "ASK"],
    ["find build -name '*.o' -delete", "ASK"],
    // a program's or a user's own directory, deeper down: risky
    ["rm -rf /usr/local/lib/node_modules/foo", "ASK"],
    ["rm -rf /var/lib/docker/volumes/x", "ASK"],
    ["rm -rf /home/alice/project/build", "ASK"],
    ["rm -rf /opt/app/cache", "ASK"],
    ["rm -rf /root/build", "ASK"],
    ["rm -rf /tmp/build", "ASK"],
    ["rm -rf ./usr/local — relative, unknown cwd", "ASK"],
    ["rm /etc/ssh/old_key — not recursive", "ALLOW"],
  ] as const)("%s → %s", async (command, result) => {
    expect(await blast(command)).toBe(result);
  });
});
