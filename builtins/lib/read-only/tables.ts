// The commands read_only knows by name: those that only read, those that write, and the tools
// judged by their subcommand.

export const READ = new Set([
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

export const WRITE = new Set([
  "rm", "rmdir", "mv", "cp", "mkdir", "touch", "ln", "link", "unlink", "chmod", "chown", "chgrp", "chattr", "setfacl", "truncate",
  "shred", "wipefs", "mke2fs", "mkswap", "install", "rsync", "scp", "sftp", "patch", "fallocate", "mkfifo", "mknod", "split", "csplit",
  "ed", "ex", "sponge", "zip", "kill", "pkill", "killall", "reboot", "shutdown", "halt", "poweroff", "service", "mount", "umount",
  "useradd", "userdel", "usermod", "groupadd", "groupdel", "passwd", "chpasswd", "visudo", "dpkg-reconfigure", "update-alternatives",
  "swapon", "swapoff", "modprobe", "insmod", "rmmod", "sysctl", "iptables", "nft", "ufw", "launchctl", "defaults", "npx", "pnpx", "bunx",
]);

// Tools judged by their subcommand: `read` ones are fine, `write` ones are denied, others ask.
// `nested` groups are judged by their second word (`docker image ls`, `kubectl config view`).
export const SUBS: Record<string, { read: string[]; write: string[]; nested?: Record<string, string[]> }> = {
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
