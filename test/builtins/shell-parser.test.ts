import { describe, expect, it } from "vitest";
import { parseShell, MAX_SCRIPT } from "../../builtins/lib/shell/index.ts";

const argvs = (script: string) => parseShell(script).commands.filter((c) => c.argv.length > 0).map((c) => c.argv);
const find = (script: string, name: string) => parseShell(script).commands.find((c) => c.name === name);

describe("parseShell: quoting and words", () => {
  it.each([
    ["r''m -rf /", ["rm", "-rf", "/"]],
    ['"rm" -rf /', ["rm", "-rf", "/"]],
    ['"r"m -rf /', ["rm", "-rf", "/"]],
    ["\\rm -rf /", ["rm", "-rf", "/"]],
    ["$'\\x72\\155' -rf /", ["rm", "-rf", "/"]],
    ["$'\\u0072m' x", ["rm", "x"]],
    ["$'rm\\0-x' -rf /", ["rm", "-rf", "/"]],
    ["$'r\\x6d\\x00\\x20x' $'a\\c@b' $'c\\u0000d'", ["rm", "a", "c"]],
    ["{rm,-rf,/}", ["rm", "-rf", "/"]],
    ["rm -rf /{etc,usr}", ["rm", "-rf", "/etc", "/usr"]],
    ["echo a{1..3}", ["echo", "a1", "a2", "a3"]],
    ["echo '{a,b}' \"{c,d}\"", ["echo", "{a,b}", "{c,d}"]],
    ['echo "a \\"b\\" \\$c"', ["echo", 'a "b" $c']],
    ["echo 'it'\\''s'", ["echo", "it's"]],
    ["ls -la \\\n /tmp", ["ls", "-la", "/tmp"]],
    ["echo a#b # a comment", ["echo", "a#b"]],
    ["find . -name {} -print", ["find", ".", "-name", "{}", "-print"]],
    ["__proto__ constructor", ["__proto__", "constructor"]],
  ])("%s", (script, argv) => {
    expect(argvs(script)).toEqual([argv]);
  });

  it("keeps expansions as written and flags them", () => {
    const c = find('rm -rf "$HOME" ${DIR:-/tmp}', "rm")!;
    expect(c.argv).toEqual(["rm", "-rf", "$HOME", "${DIR:-/tmp}"]);
    expect(c.dynamic).toBe(false);
    expect(c.dynamicArgs).toBe(true);
  });
});

describe("parseShell: structure", () => {
  it.each([
    ["echo ok; rm -rf /", [["echo", "ok"], ["rm", "-rf", "/"]]],
    ["a && b || c & d\ne", [["a"], ["b"], ["c"], ["d"], ["e"]]],
    ["(rm -rf /)", [["rm", "-rf", "/"]]],
    ["{ cd /; rm -rf *; }", [["cd", "/"], ["rm", "-rf", "*"]]],
    ["echo $(rm -rf /)", [["rm", "-rf", "/"], ["echo", "$(rm -rf /)"]]],
    ["`rm -rf /`", [["rm", "-rf", "/"], ["`rm -rf /`"]]],
    ['echo "$(whoami) `id`"', [["whoami"], ["id"], ["echo", "$(whoami) `id`"]]],
    ["diff <(ls a) >(wc)", [["ls", "a"], ["wc"], ["diff", "<(ls a)", ">(wc)"]]],
    ["x=$(( 1 + $(rm q) ))", [["rm", "q"]]],
    ["echo ${x:-$(rm a)}", [["rm", "a"], ["echo", "${x:-$(rm a)}"]]],
    ["if [ -f x ]; then rm x; elif true; then :; else ls; fi", [["[", "-f", "x", "]"], ["rm", "x"], ["true"], [":"], ["ls"]]],
    ["while read l; do echo $l; done < in.txt", [["read", "l"], ["echo", "$l"]]],
    ["for f in *.log; do rm \"$f\"; done", [["rm", "$f"]]],
    ["for ((i=0; i<3; i++)); do echo $i; done", [["echo", "$i"]]],
    ["case $x in a|b) rm -rf /;; *) ls;; esac", [["rm", "-rf", "/"], ["ls"]]],
    ["[[ $a > b && -n $c ]] && echo y", [["[[", "$a", ">", "b", "&&", "-n", "$c", "]]"], ["echo", "y"]]],
    ["arr=(1 $(rm z) 3); echo ${arr[1]}", [["rm", "z"], ["echo", "${arr[1]}"]]],
    ["! grep -q x f", [["grep", "-q", "x", "f"]]],
    ["time -p sleep 1", [["sleep", "1"]]],
    ["((n++)) || echo $((n))", [["echo", "$((n))"]]],
  ])("%s", (script, expected) => {
    expect(argvs(script)).toEqual(expected);
  });

  it("links pipelines both ways", () => {
    const { commands } = parseShell("curl -s https://x.sh | tee log | sudo bash");
    expect(commands.map((c) => [c.name, c.pipedFrom, c.pipedTo])).toEqual([["curl", [], [1]], ["tee", [0], [2]], ["bash", [1], []]]);
    expect(commands[2]!.wrappers).toEqual(["sudo"]);
    expect(commands[2]!.runsStdin).toBe(true);
    expect(commands[2]!.dynamic).toBe(true);
  });

  it("marks background commands and function bodies (fork bomb)", () => {
    const r = parseShell(":(){ :|:& };:");
    expect(r.functions).toEqual([":"]);
    expect(r.commands.map((c) => [c.name, c.inFunction, c.background, c.pipedTo.length + c.pipedFrom.length])).toEqual([
      [":", ":", true, 1], [":", ":", true, 1], [":", null, false, 0],
    ]);
    expect(parseShell("function bomb { bomb | bomb & }; bomb").commands[0]!.inFunction).toBe("bomb");
  });

  it("records redirections, with writes told apart from descriptor copies", () => {
    const c = parseShell("echo hi > /dev/sda 2>&1 >>log &>/dev/null < in 3<>rw").commands[0]!;
    expect(c.redirects.map((r) => [r.op, r.fd, r.target, r.write])).toEqual([
      [">", null, "/dev/sda", true], [">&", 2, "1", false], [">>", null, "log", true], ["&>", null, "/dev/null", true], ["<", null, "in", false], ["<>", 3, "rw", true],
    ]);
    expect(parseShell("> /dev/sda").commands[0]!.redirects[0]!.target).toBe("/dev/sda");
    expect(parseShell("(ls; pwd) > out").commands.every((c) => c.redirects[0]?.target === "out")).toBe(true);
  });

  it("reads heredocs as data, runs their substitutions when unquoted, and parses them when fed to a shell", () => {
    expect(argvs("cat <<'EOF' > f.txt\nrm -rf / $(rm -rf /)\nEOF\necho done")).toEqual([["cat"], ["echo", "done"]]);
    expect(argvs("cat <<EOF\nhello $(whoami)\nEOF")).toEqual([["whoami"], ["cat"]]);
    expect(argvs("bash <<EOF\nrm -rf /\nEOF")).toEqual([["bash"], ["rm", "-rf", "/"]]);
    expect(argvs("cat <<-EOF | sh\n\trm -rf /\n\tEOF\n")).toEqual([["cat"], ["sh"], ["rm", "-rf", "/"]]);
    expect(argvs("bash <<< 'rm -rf ~'")).toEqual([["bash"], ["rm", "-rf", "~"]]);
    expect(argvs(". /dev/stdin <<< 'rm -rf ~'")).toEqual([[".", "/dev/stdin"], ["rm", "-rf", "~"]]);
    expect(argvs("{ bash; } <<< 'rm -rf ~'")).toEqual([["bash"], ["rm", "-rf", "~"]]);
    expect(argvs("{ bash; } <<EOF\nrm -rf ~\nEOF")).toEqual([["bash"], ["rm", "-rf", "~"]]);
    expect(argvs("bash 3<<< 'rm -rf ~'")).toEqual([["bash"]]);
    expect(parseShell("cat <<EOF\nx\nEOF").commands[0]!.redirects[0]!.body).toBe("x\n");
    // A CRLF line ends in \r, which bash keeps: `EOF\r` does not close `<<EOF`, but does close `<<EOF\r`.
    expect(parseShell("cat <<EOF\nx\r\nEOF\r\nEOF").commands[0]!.redirects[0]!.body).toBe("x\r\nEOF\r\n");
    expect(argvs("bash <<EOF\r\nrm -rf /\r\nEOF\r\n")).toEqual([["bash"], ["rm", "-rf", "/\r"]]);
  });
});

describe("parseShell: commands that run commands", () => {
  it.each([
    ["bash -c 'rm -rf ~'", ["bash"], ["rm", "-rf", "~"]],
    ['sh -c "cd / && rm -rf *"', ["sh"], ["rm", "-rf", "*"]],
    ["zsh -lc 'rm -rf /'", ["zsh"], ["rm", "-rf", "/"]],
    ["/bin/bash -e -o pipefail -c 'rm -rf /'", ["bash"], ["rm", "-rf", "/"]],
    ["sudo rm -rf --no-preserve-root /", ["sudo"], ["rm", "-rf", "--no-preserve-root", "/"]],
    ["sudo -u root -E HOME=/ rm -rf /", ["sudo"], ["rm", "-rf", "/"]],
    ["doas -u root rm -rf /", ["doas"], ["rm", "-rf", "/"]],
    ["env X=1 rm -rf /", ["env"], ["rm", "-rf", "/"]],
    ["env -i -u PATH rm -rf /", ["env"], ["rm", "-rf", "/"]],
    ["env -S 'rm -rf /'", ["env"], ["rm", "-rf", "/"]],
    ["env -iu X rm -rf /", ["env"], ["rm", "-rf", "/"]],
    ["env -iS 'rm -rf /'", ["env"], ["rm", "-rf", "/"]],
    ["env -S'-i -u X rm -rf' /", ["env"], ["rm", "-rf", "/"]],
    ["env -S 'rm\\_-rf\\_/ # comment'", ["env"], ["rm", "-rf", "/"]],
    ["env - =x rm -rf /", ["env"], ["rm", "-rf", "/"]],
    ["coproc X { rm -rf /; }", [], ["rm", "-rf", "/"]],
    ["coproc rm -rf /", [], ["rm", "-rf", "/"]],
    ["su -lc 'rm -rf /'", ["su"], ["rm", "-rf", "/"]],
    ["taskset -c 0,1 rm -rf /", ["taskset"], ["rm", "-rf", "/"]],
    ["unshare -r --root=/x rm -rf /", ["unshare"], ["rm", "-rf", "/"]],
    ["nsenter -t 1 -m rm -rf /", ["nsenter"], ["rm", "-rf", "/"]],
    ["systemd-run --user -p A=1 --unit x rm -rf /", ["systemd-run"], ["rm", "-rf", "/"]],
    ["toybox rm -rf /", ["toybox"], ["rm", "-rf", "/"]],
    ["tcsh -c 'rm -rf /'", ["tcsh"], ["rm", "-rf", "/"]],
    ["fish --command='rm -rf /'", ["fish"], ["rm", "-rf", "/"]],
    ["trap 'rm -rf /' EXIT", ["trap"], ["rm", "-rf", "/"]],
    ["let 'x=a[$(rm -rf /)]'", [], ["rm", "-rf", "/"]],
    ["nohup rm -rf / &", ["nohup"], ["rm", "-rf", "/"]],
    ["timeout -s KILL 5 nice -n 10 ionice -c 3 rm -rf /", ["timeout", "nice", "ionice"], ["rm", "-rf", "/"]],
    ["exec rm -rf /", ["exec"], ["rm", "-rf", "/"]],
    ["command rm -rf /", ["command"], ["rm", "-rf", "/"]],
    ["builtin eval 'rm -rf /'", ["builtin", "eval"], ["rm", "-rf", "/"]],
    ['eval "rm -rf /"', ["eval"], ["rm", "-rf", "/"]],
    ["xargs -0 -I {} rm -rf {}", ["xargs"], ["rm", "-rf", "{}"]],
    ["find / -name x -exec rm -rf {} \\;", ["find"], ["rm", "-rf", "{}"]],
    ["busybox rm -rf /", ["busybox"], ["rm", "-rf", "/"]],
    ["su -c 'rm -rf /' root", ["su"], ["rm", "-rf", "/"]],
    ["watch -n 5 'rm -rf /'", ["watch"], ["rm", "-rf", "/"]],
    ["flock -w 5 /tmp/l rm -rf /", ["flock"], ["rm", "-rf", "/"]],
    ["flock /tmp/l -c 'rm -rf /'", ["flock", "sh"], ["rm", "-rf", "/"]],
    ["script -q -c 'rm -rf /' /dev/null", ["script", "sh"], ["rm", "-rf", "/"]],
    ["echo 'rm -rf /' | bash", ["bash"], ["rm", "-rf", "/"]],
    ["git -c alias.x='!rm -rf /' x", ["git"], ["rm", "-rf", "/"]],
    ["alias ls='rm -rf /'", ["alias"], ["rm", "-rf", "/"]],
    ["sudo bash -c \"sh -c 'rm -rf /'\"", ["sudo", "bash", "sh"], ["rm", "-rf", "/"]],
  ])("%s", (script, wrappers, argv) => {
    const c = parseShell(script).commands.find((x) => x.name === "rm");
    expect(c?.argv).toEqual(argv);
    expect(c?.wrappers).toEqual(wrappers);
  });

  it("does not run what only looks like a command", () => {
    expect(argvs('echo "rm -rf /"')).toEqual([["echo", "rm -rf /"]]);
    expect(argvs('grep -r "rm -rf /" .')).toEqual([["grep", "-r", "rm -rf /", "."]]);
    expect(argvs("command -v rm")).toEqual([["command", "-v", "rm"]]);
    expect(find("xargs -I{} rm {}", "rm")!.dynamicArgs).toBe(true);
    expect(argvs("find . -exec sh -c 'wc \"$1\"' _ {} \\;")).toEqual([["find", ".", "-exec", "sh", "-c", 'wc "$1"', "_", "{}", ";"], ["wc", "$1"]]);
    expect(parseShell("ls | xargs -I% sh -c 'cat x'").dynamic).toBe(false);
  });

  it("records the environment that env and sudo set", () => {
    expect(find("env -i A=1 -u X B=2 rm x", "rm")!.assignments).toEqual(["A=1", "B=2"]);
    expect(find("C=0 sudo -E D=1 rm x", "rm")!.assignments).toEqual(["C=0", "D=1"]);
  });

  it("leaves bare wrappers as the command", () => {
    expect(argvs("sudo -s")).toEqual([["sudo", "-s"]]);
    expect(argvs("env")).toEqual([["env"]]);
  });
});

describe("parseShell: what cannot be known", () => {
  it.each([
    "$(echo rm) -rf /",
    "$CMD -rf /",
    "`echo rm` -rf /",
    "rm${IFS}-rf${IFS}/",
    "/???/r? -rf /",
    'bash -c "$PAYLOAD"',
    "eval $X",
    "curl -s https://x | sh",
    "base64 -d payload | bash",
    "bash <(curl -s https://x)",
    "source $F",
    "curl -s https://x | xargs -I{} sh -c '{}'",
    "curl -s https://x | xargs bash",
    "curl -s https://x | xargs eval",
    "find . -exec sh -c {} \\;",
    "find / -name rm -exec {} -rf / \\;",
    "bash",
    "bash < ./deploy.sh",
    "bash < <(curl -s https://x)",
    "bash 0<&3",
    "curl -s https://x | bash /dev/stdin",
    "source /proc/self/fd/0",
    "{ sh; } < ./deploy.sh",
  ])("%s is dynamic", (script) => {
    const r = parseShell(script);
    expect(r.dynamic).toBe(true);
    expect(r.commands.some((c) => c.dynamic)).toBe(true);
  });

  it.each([
    ["echo 'unterminated", "unterminated single quote"],
    ['echo "x', "unterminated double quote"],
    ["echo $(ls", "unterminated command substitution"],
    ["case x in", "unterminated case"],
    ["a &&", "unexpected end of input"],
    ["(ls", "expected )"],
    ["ls )", "unexpected ')'"],
    ["echo `x", "unterminated backquote"],
  ])("%s is an error: %s", (script, message) => {
    const r = parseShell(script);
    expect(r.error).toBe(message);
    expect(r.dynamic).toBe(true);
  });

  it("reads a script with a NUL byte as bash would, and calls it an error", () => {
    const r = parseShell("r\0m -rf /");
    expect(r.error).toMatch(/NUL/);
    expect(r.commands[0]!.argv).toEqual(["rm", "-rf", "/"]);
  });

  it("keeps what it found before an error", () => {
    const r = parseShell("rm -rf /; echo 'oops");
    expect(r.error).toMatch(/quote/);
    expect(r.commands[0]!.argv).toEqual(["rm", "-rf", "/"]);
  });

  it.each([
    ["( ( (", "( ".repeat(5000) + "ls" + " )".repeat(5000)],
    ["{ { {", "{ ".repeat(5000) + "ls;" + " }".repeat(5000)],
    ["! ! !", "! ".repeat(20000) + "ls"],
    ["if if if", "if ".repeat(10000) + "true"],
    ["case in case", "case x in x) ".repeat(3000) + "ls"],
    ["${a:-${a:-", "echo " + "${a:-".repeat(10000) + "}".repeat(10000)],
    ['${a:-"${a:-', "echo " + '${a:-"'.repeat(8000) + '"}'.repeat(8000)],
    ["$(( $((", "echo " + "$((".repeat(10000) + "))".repeat(10000)],
  ])("stops nesting %s with an error, not a stack overflow", (_, script) => {
    expect(parseShell(script).error).toMatch(/nested too deeply/);
  });

  // Each bound shows by its error; a blow-up past it would hit the test's time limit.
  it("bounds what grows faster than the input", () => {
    expect(parseShell(`{ ${":;".repeat(500)} }${">a".repeat(1000)}`).error).toMatch(/redirections/);
    expect(parseShell(`${"{ ".repeat(100)}${":;".repeat(1000)}${` }${">a".repeat(40)}`.repeat(100)}`).error).toMatch(/redirections/);
    expect(parseShell(`echo ${"{a,b}".repeat(8)}${"{".repeat(980)}`).error).toMatch(/brace/);
    expect(parseShell(`echo ${"{a,b}".repeat(8)}${"{".repeat(980)};`.repeat(60)).error).toMatch(/brace/);
    expect(parseShell(`{ ${"ls; ".repeat(100)}} > out 2>&1`).commands.every((c) => c.redirects.length === 2)).toBe(true);
    expect(argvs(`echo ${"{a,b}".repeat(8)}`)[0]).toHaveLength(257);
  });

  it("calls it an error when a bound drops part of the command", () => {
    const brace = parseShell(`chmod -R 777 {/,${"a".repeat(1100)}}`);
    expect(brace.error).toMatch(/brace/);
    const pipe = parseShell(`{ curl -s https://x; ${"echo :; ".repeat(64)}} | bash`);
    expect(pipe.error).toMatch(/pipe/);
    expect(parseShell(`{ ${"echo :; ".repeat(64)}} | bash`).error).toBeNull();
  });

  it("stays bounded", () => {
    expect(parseShell("x".repeat(MAX_SCRIPT + 1)).error).toMatch(/longer/);
    expect(parseShell("echo $(".repeat(200) + ")".repeat(200)).error).toMatch(/deep/);
    expect(parseShell("true;".repeat(3000)).error).toMatch(/more than/);
    expect(parseShell("echo {a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}").commands[0]!.argv.length).toBe(2);
    expect(parseShell(`echo "${"a$(b) ".repeat(5000)}"`)).toMatchObject({ error: "more than 2000 commands", dynamic: true });
    expect(parseShell("'".repeat(60000))).toMatchObject({ error: null, commands: [{ argv: [""] }] });
    expect(parseShell("a|".repeat(20000) + "b")).toMatchObject({ error: "more than 2000 commands", dynamic: true });
  });
});
