// palisade/runtime: the sandbox, embeddable without the HTTP host.
export { createRuntime, Runtime } from "./runtime.ts";
export type { Bundled, EvaluateRequest, LoadRequest, LoadResult, RuntimeStats } from "./api.ts";
export { DEFAULT_LIMITS } from "./options.ts";
export { byEvaluationOrder } from "./decide.ts";
export type { RuntimeOptions } from "./options.ts";
export type { WorkerStats } from "./supervisor/pool.ts";
export { readSourceTree, readUpload, moduleNameFrom } from "./bundler/files.ts";
