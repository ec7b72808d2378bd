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
  if (/%|\\|(?:^|\/)\.\.?(?:\/|[?#]|$)/.test(path)) return null;
  const m = (exact ? EXACT_PATH : WEB_PATH).exec(path);
  return m && name(m[1]) && name(m[2]) ? `${m[1]}/${m[2]}` : null;
}

// `/owner/repo(.git)(/)` and nothing more (a git remote); or going on (`/owner/repo/pull/3`).
const EXACT_PATH = /^\/*([^/?#]+)\/([^/?#]+?)(?:\.git)?\/?(?:[?#].*)?$/s;
const WEB_PATH = /^\/*([^/?#]+)\/([^/?#]+?)(?:\.git)?(?:[/?#].*)?$/s;

/** The canonical host of an authority (`user@host:port`), or null when it cannot be parsed. */
function hostOf(authority: string): string | null {
  if (/[\\\s]/.test(authority)) return null;
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  const host = hostPort.startsWith("[") ? hostPort.slice(0, hostPort.indexOf("]") + 1) : hostPort.replace(/:\d*$/, "");
  const parsed = parseHost(host, { url: true });
  return "error" in parsed || parsed.doubts.length > 0 ? null : parsed.host;
}

/** An address read without the policy's hosts: somewhere local, or a host and what its path names. */
type Address = { local: string } | { host: string | null; exactRepo: string | null; webRepo: string | null };

const remote = (host: string | null, path: string): Address => ({ host, exactRepo: repoOfPath(path, true), webRepo: repoOfPath(path, false) });

function readAddress(v: string): Address | null {
  if (v.length > 2000) return { local: "an address too long to read" };
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(v)) return { local: `the remote helper ${v.slice(0, v.indexOf("::"))}` };
  const url = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(.*)$/s.exec(v);
  if (url) return url[1]!.toLowerCase() === "file" ? { local: "a local repository" } : remote(hostOf(url[2]!), url[3]!);
  if (/^(?:\/|\.\.?(?:\/|$)|~)/.test(v)) return { local: "a local repository" };
  // git reads `host:path` as ssh when the colon comes before any slash.
  const scp = /^((?:[^@/:\s]+@)?(?:\[[^\]/]+\]|[^/:\s[]+)):(.*)$/s.exec(v);
  return scp ? remote(hostOf(scp[1]!), scp[2]!) : null;
}

// Scripts and calls repeat their remotes: an address is read once (frozen, so it can be shared).
const addresses = new Map<string, Address | null>();

/**
 * Where `value` points, when it is an address rather than a remote's name (`origin`): a URL
 * (`https://…`, `ssh://…`, `git://…`), an scp-style address (`git@host:owner/repo`,
 * `host:owner/repo`), a local path or `file://` URL, or a `transport::address` that runs a
 * remote helper (`ext::…` runs a command). `exact`: the path must be owner/repo and nothing
 * more, as in a git remote; GitHub web URLs go on (`/pull/3`).
 */
export function placeOf(value: string, hosts: ReadonlySet<string>, exact = true): Place | null {
  const v = value.trim();
  // A remote's name (`origin`, `upstream`): no colon, and not a path.
  if (!v.includes(":") && !/^[/.~]/.test(v)) return null;
  let a = addresses.get(v);
  if (a === undefined) {
    if (addresses.size >= 500) addresses.clear();
    a = readAddress(v);
    addresses.set(v, a && Object.freeze(a));
  }
  if (a === null) return null;
  if ("local" in a) return { github: false, where: a.local };
  if (a.host === null) return { github: false, where: "a host that cannot be parsed" };
  if (!hosts.has(a.host)) return { github: false, where: a.host };
  return { github: true, repo: exact ? a.exactRepo : a.webRepo };
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
