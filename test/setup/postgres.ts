// vitest globalSetup: the PostgreSQL tests need initdb and pg_ctl. When the machine lacks them
// (a fresh CI machine), they are installed once here with apt-get; where they exist, nothing runs.
import { postgresBin } from "../helpers/postgres.ts";
import { aptInstall } from "./apt.ts";

export default function setup(): void {
  if (postgresBin()) return;
  process.stderr.write("PostgreSQL binaries not found: installing them with apt-get (postgresql)\n");
  aptInstall(["postgresql"]);
  if (!postgresBin()) throw new Error("apt-get installed postgresql, but initdb is still not found");
}
