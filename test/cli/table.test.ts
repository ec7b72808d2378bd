// The CLI's tables print text that tenant code wrote (a policy's reasons): none of it may
// reach the reader's terminal as a control sequence.
import { describe, expect, it } from "vitest";
import { approvalTable } from "../../cli/table.ts";

describe("approvalTable", () => {
  it("shows control characters, terminal escapes among them, as ?", () => {
    const table = approvalTable([{
      id: "apr_x", status: "pending", expires_at: "2026-12-03T10:00:00.000Z", session_id: "s\u001b]0;pwned\u0007", agent: null, decision_id: "d",
      reasons: ["gate: \u001b[2K\u001b[1Aall clear\r\n"], bindings: ["gate"], event: null, created_at: "2026-12-03T09:00:00.000Z", approve_via: "any",
    }]);
    expect(table).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/); // only the table's own newlines
    expect(table.split("\n")[1]).toBe("apr_x  pending  2026-12-03 10:00:00  s?]0;pwned?  gate: ?[2K?[1Aall clear??");
  });
});
