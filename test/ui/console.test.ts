// The console in a real browser (Debian's Chromium, driven by playwright-core), clicking and
// typing as a person would, against a real host.
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM } from "../setup/system-packages.ts";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";

let host: TestHost;
let browser: Browser;
let keys: Record<"security" | "author" | "agent", string>;
const urls: string[] = [];

beforeAll(async () => {
  host = await startHost();
  keys = await tenantWithKeys(host, "acme");
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
});
afterAll(async () => {
  await browser?.close();
  await host?.close();
});

async function signedIn(key: string, width = 1280): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  // A step that does not happen fails with its locator, well before the test's own timeout.
  page.setDefaultTimeout(20_000);
  page.on("request", (request) => urls.push(request.url()));
  await page.goto(`${host.url}/ui/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Sections" }).waitFor();
  return page;
}

const BROKEN = 'export function shout(event: any) {\n  return { result: "DENY" reason: "no" };\n}\nexport const POLICY_REGISTRY = [{ handler: "acme.mod.shout" }];\n';
const FIXED = 'export function shout(event: any) {\n  return event.data?.name === "shout" ? { result: "DENY", reason: "no shouting" } : null;\n}\nexport const POLICY_REGISTRY = [{ handler: "acme.mod.shout", description: "Denies the shout tool." }];\n';

describe("the console, as a security team uses it", () => {
  it("binds through the generated form, uploads a module, tries an event, finds it in the log", async () => {
    const page = await signedIn(keys.security);
    await expect.poll(() => page.locator("#who").textContent()).toContain("security · acme");

    // Bind block_domains through the form generated from its params_schema: an empty list is refused on the field.
    await page.getByLabel("Search policies").fill("block domains");
    await page.getByRole("button", { name: "Bind Block Domains" }).click();
    const dialog = page.getByRole("dialog", { name: "Bind Block Domains" });
    await dialog.getByRole("button", { name: "Save binding" }).click();
    const domainsError = dialog.locator("#param-blocked_domains-error");
    await expect.poll(() => domainsError.textContent()).toMatch(/\/blocked_domains must NOT have fewer than 1 items/);
    expect(await dialog.locator("#param-blocked_domains").getAttribute("aria-describedby")).toContain("param-blocked_domains-error");
    await dialog.getByRole("button", { name: "Add Blocked domains item" }).click();
    await dialog.getByLabel("Blocked domains item", { exact: true }).fill("evil.com");
    await dialog.getByRole("button", { name: "Save binding" }).click();
    await dialog.waitFor({ state: "detached" });
    expect((await host.call("GET", "/v1/tenants/acme/bindings", keys.security)).body).toEqual([expect.objectContaining({ id: "block-domains", params: { blocked_domains: ["evil.com"] } })]);

    // Uploads are an author's: security sees the modules but no upload form.
    await page.getByRole("link", { name: "Modules" }).click();
    await expect.poll(() => page.locator("main").textContent()).toContain("Uploading and rolling back modules needs an author key.");

    // An author's module with a syntax error shows file:line:col beside the line; fixed, it uploads.
    const author = await signedIn(keys.author);
    await author.getByRole("link", { name: "Modules" }).click();
    await author.getByLabel("Module name").fill("acme.mod");
    await author.getByLabel("Source").fill(BROKEN);
    await author.getByRole("button", { name: "Upload" }).click();
    await expect.poll(() => author.locator(".diagnostic").first().textContent()).toMatch(/acme\/mod\.ts:2:\d+ Expected "}" but found "reason"/);
    expect(await author.locator(".diagnostic pre").first().textContent()).toContain('return { result: "DENY" reason: "no" };');
    await author.getByLabel("Source").fill(FIXED);
    await author.getByRole("button", { name: "Upload" }).click();
    await expect.poll(() => author.locator(".diagnostics").textContent()).toContain("acme.mod v1 is live, with 1 policies.");
    await author.close();

    // Security binds the fixed module's policy.
    await page.getByRole("link", { name: "Policies" }).click();
    await page.getByRole("button", { name: "Bind Shout" }).click();
    await page.getByRole("dialog", { name: "Bind Shout" }).getByRole("button", { name: "Save binding" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });

    // Try it: a dry run that is DENY, then find it in the log.
    await page.getByRole("link", { name: "Try it" }).click();
    await page.getByLabel("Event").fill(JSON.stringify({ type: "tool_call", data: { name: "web_fetch", arguments: { url: "https://evil.com/x" } } }));
    await page.getByRole("button", { name: "Run" }).click();
    await expect.poll(() => page.locator(".outcome .verdict").textContent()).toMatch(/^Decision: DENY block-domains: /);
    await page.getByRole("link", { name: "Decisions" }).click();
    await page.getByLabel("Result").selectOption("DENY");
    const row = page.locator("tr.decision").first();
    await expect.poll(() => row.textContent()).toMatch(/tool_callweb_fetchDENYblock-domains: /);
    await row.getByRole("button").click();
    await expect.poll(() => page.locator("tr.detail:not([hidden])").textContent()).toContain("A dry run.");
    await page.close();
  });

  it("shows an agent's ASK in the inbox without a reload, and accepting it lets the agent's resume through", async () => {
    await host.call("PUT", "/v1/tenants/acme/bindings/ask-deploy", keys.security, { handler: "palisade.builtins.ask_tools", params: { tools: ["deploy"] } });
    const approver = (await host.call("POST", "/v1/tenants/acme/keys", keys.security, { role: "approver" })).body.key;
    const page = await signedIn(approver);
    expect(await page.getByRole("navigation", { name: "Sections" }).textContent()).toBe("Approvals");
    await expect.poll(() => page.locator("main .hint").first().textContent()).toMatch(/^Live:/);

    const event = { type: "tool_call", data: { name: "deploy", arguments: { env: "prod" } }, context: { session_id: "ui" } };
    const asked = await host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event });
    const id = asked.body.approval.id as string;
    const card = page.locator(`article.approval[data-id="${id}"]`);
    await card.waitFor();
    await card.getByLabel(`Note for ${id}`).fill("ship it");
    await card.getByRole("button", { name: `Accept ${id}` }).click();
    await card.waitFor({ state: "detached" });
    expect((await host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event, approval_id: id })).body).toMatchObject({ result: "ALLOW", approval: { status: "accepted" } });
    await expect.poll(() => page.locator("table").textContent()).toContain("ship it");

    // A proposal shows every field of the binding it would create, params in full.
    const tools = Array.from({ length: 150 }, (_, i) => `tool_${i}`);
    const proposed = await host.call("POST", "/v1/tenants/acme/sessions/ui/proposals", keys.agent, { params: { tools }, id: "guard", handler: "palisade.builtins.block_tools", on_error: "ASK", events: ["tool_call"], order: 3 });
    const proposal = page.locator(`article.approval[data-id="${proposed.body.id}"]`);
    await proposal.waitFor();
    const field = (name: string) => proposal.locator(`dd[data-field="${name}"]`).textContent();
    expect([await field("mode"), await field("on_error"), await field("events"), await field("order"), await field("enabled"), await field("approve_via")]).toEqual(["enforce", "ASK", "tool_call", "3", "true", "any"]);
    expect(JSON.parse((await field("params"))!)).toEqual({ tools });
    expect(await proposal.textContent()).toContain(`raised by key`);
    await page.close();
  });

  it("replays a binding over logged decisions before it is saved", async () => {
    await host.call("PATCH", "/v1/tenants/acme", keys.security, { settings: { log_events: true } });
    for (const url of ["https://ok.org/a", "https://other.net"]) await host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event: { type: "tool_call", data: { name: "web_fetch", arguments: { url } } } });
    const page = await signedIn(keys.security);
    await page.getByLabel("Search policies").fill("block domains");
    await page.getByRole("button", { name: "Bind Block Domains" }).click();
    const dialog = page.getByRole("dialog", { name: "Bind Block Domains" });
    await dialog.getByLabel("Binding id").fill("block-ok");
    await dialog.getByRole("button", { name: "Add Blocked domains item" }).click();
    await dialog.getByLabel("Blocked domains item", { exact: true }).fill("ok.org");
    await dialog.getByRole("button", { name: "Replay on recent decisions" }).click();
    await expect.poll(() => dialog.locator(".replay").textContent()).toMatch(/^Replayed 2 logged decisions: ALLOW→DENY: 1/);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect((await host.call("GET", "/v1/tenants/acme/bindings", keys.security)).body.map((b: { id: string }) => b.id)).not.toContain("block-ok");
    await page.close();
  });

  it("fits a 390 px screen, keeps keys out of URLs, refuses agent keys, and sends a strict CSP", async () => {
    const page = await signedIn(keys.security, 390);
    await page.getByRole("link", { name: "Decisions" }).click();
    await page.locator("table.log").waitFor();
    // Runs in the page, where document exists; typed here without the DOM library.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.close();
    expect(urls.filter((u) => Object.values(keys).some((k) => u.includes(k)))).toEqual([]);

    const agent = await browser.newPage();
    await agent.goto(`${host.url}/ui/`);
    await agent.getByLabel("API key").fill(keys.agent);
    await agent.keyboard.press("Enter");
    await expect.poll(() => agent.locator("#main .error").first().textContent()).toContain("Agent keys are for agents");
    await agent.close();

    const response = await fetch(`${host.url}/ui/`);
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'");
    expect((await fetch(`${host.url}/ui/../package.json`)).status).toBe(404);
    expect((await fetch(`${host.url}/ui/%2e%2e/package.json`)).status).toBe(404);
  });
});
