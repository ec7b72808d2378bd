// esbuild runs as one long-lived child process shared by every upload. When it dies (input
// that crashes it, a kill from outside), esbuild does not restart it: every later build fails
// with "The service is no longer running". So a build that meets a dead service restarts it
// and tries once more, alone: the retries run one at a time, so that if an upload crashes the
// service again, it is that upload's own retry that fails, and nobody else's.
import * as esbuild from "esbuild";

const DEAD = /The service (?:is no longer running|was stopped)/;

let retries: Promise<unknown> = Promise.resolve();

/** Thrown when esbuild's process died twice on the same upload. */
export class BundlerCrashed extends Error {}

export async function build(options: esbuild.BuildOptions & { write: false; metafile: true }): Promise<esbuild.BuildResult<typeof options>> {
  try {
    return await esbuild.build(options);
  } catch (e) {
    if (!DEAD.test(String((e as Error)?.message))) throw e;
  }
  // The first try finds the service restarted already when another retry did it; otherwise
  // it fails at once, and the service is restarted for the second.
  const retry = retries.catch(() => {}).then(async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        return await esbuild.build(options);
      } catch (e) {
        if (!DEAD.test(String((e as Error)?.message))) throw e;
        await esbuild.stop();
      }
    }
    throw new BundlerCrashed("esbuild's process crashed on this upload");
  });
  retries = retry;
  return retry;
}
