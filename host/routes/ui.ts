// The console at /ui: static files from ui/, read once at start, served with a strict
// Content-Security-Policy (scripts and styles from this origin only, nothing inline, no
// framing). Only files that exist in ui/ are served, by exact path: nothing else on disk is.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { FastifyPluginAsync } from "fastify";

// ui/ sits at the package's root: two levels up from here in the repository (host/routes/),
// three in the package, where this file is compiled to dist/host/routes/.
const UI_DIR = [path.resolve(import.meta.dirname, "../../ui"), path.resolve(import.meta.dirname, "../../../ui")].find((dir) => existsSync(path.join(dir, "index.html")));
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml" };
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

function files(dir: string, prefix = ""): Map<string, { body: Buffer; type: string }> {
  const found = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) for (const [k, v] of files(full, `${prefix}${name}/`)) found.set(k, v);
    else if (TYPES[path.extname(name)]) found.set(`${prefix}${name}`, { body: readFileSync(full), type: TYPES[path.extname(name)]! });
  }
  return found;
}

export const uiRoutes: FastifyPluginAsync = async (app) => {
  // Without ui/ (a package built without it) the API still serves; /ui says what is missing.
  const served = UI_DIR ? files(UI_DIR) : new Map<string, { body: Buffer; type: string }>();
  app.get("/ui", { schema: { hide: true } }, (_request, reply) => reply.redirect("/ui/"));
  app.get("/ui/*", { schema: { hide: true } }, (request, reply) => {
    const wanted = (request.params as { "*": string })["*"] || "index.html";
    const file = served.get(wanted);
    if (!file) return reply.status(404).type("text/plain").send("not found");
    return reply
      .header("content-security-policy", CSP)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .header("cache-control", "no-cache")
      .type(file.type)
      .send(file.body);
  });
};
