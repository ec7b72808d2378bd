// Where a git remote, a clone source or a GitHub URL points. The repository is read only from
// an address on a GitHub host (github.com, www.github.com and the enterprise hosts a binding
// names): `https://evil-github.com/me/app` is not me/app, it is somewhere else, and an agent
// that writes there writes outside every rule this policy has.
import { parseHost } from "../url/index.ts";

/** An address: on GitHub, with the repository when its path names one; or anywhere else. */
export type Place = { github: true; repo: string | null } | { github: false; where: string };

export const GITHUB_HOSTS = ["github.com", "www.github.com"];

// Owner and repository names as GitHub allows them; `.` and `..` are path steps, not names.
const NAME = /^[A-Za-z0-9_.-]+$/;
const name = (s: string | undefined): s is string => s !== undefined && NAME.test(s) && s !== "." && s !== "..";

/** `owner/repo` from the segments of a path (a `.git` suffix dropped), or null. A path with
 *  dot segments or escapes (`/me/app/../../other/x`, `%2e%2e`) is normalised by the client
 *  before it is sent, so the repository it names cannot be read off it: null. */
function repoOfPath(path: string, exact: boolean): string | null {
  const segments = path.replace(/^\/+/, "").replace(/[?#].*$/, "").split("/");
  if (segments.some((s) => s === "." || s === ".." || s.includes("%") || s.includes("\\"))) return null;
  if (segments.at(-1) === "") segments.pop();
  const [owner, repo] = [segments[0], segments[1]?.replace(/\.git$/, "")];
  if (!name(owner) || !name(repo) || (exact && segments.length > 2)) return null;
  return `${owner}/${repo}`;
}

/** The canonical host of an authority (`user@host:port`), or null when it cannot be parsed. */
function hostOf(authority: string): string | null {
  if (/[\\\s]/.test(authority)) return null;
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  const host = hostPort.startsWith("[") ? hostPort.slice(0, hostPort.indexOf("]") + 1) : hostPort.replace(/:\d*$/, "");
  const parsed = parseHost(host, { url: true });
  return "error" in parsed || parsed.doubts.length > 0 ? null : parsed.host;
}

function at(host: string | null, path: string, hosts: ReadonlySet<string>, exact: boolean): Place {
  if (host === null) return { github: false, where: "a host that cannot be parsed" };
  if (!hosts.has(host)) return { github: false, where: host };
  return { github: true, repo: repoOfPath(path, exact) };
}

/**
 * Where `value` points, when it is an address rather than a remote's name (`origin`): a URL
 * (`https://…`, `ssh://…`, `git://…`), an scp-style address (`git@host:owner/repo`,
 * `host:owner/repo`), a local path or `file://` URL, or a `transport::address` that runs a
 * remote helper (`ext::…` runs a command). `exact`: the path must be owner/repo and nothing
 * more, as in a git remote; GitHub web URLs go on (`/pull/3`).
 */
export function placeOf(value: string, hosts: ReadonlySet<string>, exact = true): Place | null {
  const v = value.trim();
  if (v.length > 2000) return { github: false, where: "an address too long to read" };
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(v)) return { github: false, where: `the remote helper ${v.slice(0, v.indexOf("::"))}` };
  const url = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(.*)$/s.exec(v);
  if (url) return url[1]!.toLowerCase() === "file" ? { github: false, where: "a local repository" } : at(hostOf(url[2]!), url[3]!, hosts, exact);
  if (/^(?:\/|\.\.?(?:\/|$)|~)/.test(v)) return { github: false, where: "a local repository" };
  // git reads `host:path` as ssh when the colon comes before any slash.
  const scp = /^((?:[^@/:\s]+@)?(?:\[[^\]/]+\]|[^/:\s[]+)):(.*)$/s.exec(v);
  if (scp) return at(hostOf(scp[1]!), scp[2]!, hosts, exact);
  return null;
}

/** `owner/repo` written as such (gh's `-R owner/repo`), or null. */
export function repoName(value: string): string | null {
  const m = /^([^/\s]+)\/([^/\s]+?)(?:\.git)?$/.exec(value.trim());
  return m && name(m[1]) && name(m[2]) ? `${m[1]}/${m[2]}` : null;
}

/** The repository a value names: owner/repo itself, a URL on a GitHub host, or gh's
 *  `HOST/OWNER/REPO`; `elsewhere` when it points off GitHub. */
export function repoIn(value: string, hosts: ReadonlySet<string>): { repo: string | null; elsewhere?: string } {
  const v = value.trim();
  const plain = repoName(v);
  if (plain) return { repo: plain };
  const place = placeOf(/^[^/\s:]+\/[^/\s]+\/[^/\s]+$/.test(v) ? `https://${v}` : v, hosts, false);
  if (!place) return { repo: null };
  return place.github ? { repo: place.repo } : { repo: null, elsewhere: place.where };
}
