// The trusted code that runs first in every tenant isolate. It captures the intrinsics it
// needs before any tenant code exists, removes what tenant code must not have, and then
// mediates every entry into tenant code.
//
// Rules it keeps (see ../shared/NOTES-isolated-vm.md):
// - Nothing tenant code returns or throws crosses the boundary as an object. Each entry point
//   returns one primitive string, built inside the timed call, so a getter, a Proxy or a
//   `toJSON` that loops is stopped by the timeout instead of hanging the worker afterwards.
// - Tenant code can replace any global or prototype method after setup, so the wrapper calls
//   only the functions it captured, through `Reflect.apply`, and builds its own objects with
//   a null prototype (JSON.stringify looks up `toJSON` on the prototype chain).
// - The API object is returned to the worker as a Reference and never stored on the global,
//   so tenant code cannot reach it. The wrapper is strict code, so `fn.caller` and
//   `Error.prepareStackTrace` call sites cannot reveal its functions.
//
// Output strings start with a tag: "A" abstain (or "ok" for setup calls), "R" + JSON result,
// "E" + JSON error, "P" pending (an async policy; collect it after the microtasks ran),
// "M" missing instance. `chain` answers a JSON list of such outputs with each one's time.
import { EXPORTS_GLOBAL } from "../bundler/bundle.ts";

/**
 * Wraps bundle code so that compiling and running the script runs no tenant code. Strict mode
 * restores the semantics of the ES modules authors wrote (esbuild's iife output drops them),
 * so writing to the frozen session_state throws instead of failing silently. Everything stays
 * on the bundle's first line, so stack positions still match its source map.
 */
export function wrapBundle(code: string): string {
  return `(function () {"use strict";${code}\nreturn ${EXPORTS_GLOBAL};\n})`;
}

export const WRAPPER_SOURCE = String.raw`(function () {
  "use strict";
  const global = globalThis;
  const { apply, ownKeys } = Reflect;
  const { parse, stringify } = JSON;
  const { freeze, defineProperty } = Object;
  const StringCtor = String;
  const slice = String.prototype.slice;
  const PromiseCtor = Promise;
  const promiseResolve = Promise.resolve;
  const promiseThen = Promise.prototype.then;
  const MapCtor = Map;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapDelete = Map.prototype.delete;
  const hasOwn = Object.prototype.hasOwnProperty;
  const toUpperCase = String.prototype.toUpperCase;
  const dateNow = Date.now;

  // Memory that V8 does not count (wasm) and memory shared across threads stay out of reach.
  delete global.WebAssembly;
  delete global.SharedArrayBuffer;
  delete global.Atomics;
  // Policies that log must not fail for it; the output goes nowhere.
  const noop = function () {};
  defineProperty(global, "console", {
    value: freeze({ log: noop, info: noop, warn: noop, error: noop, debug: noop, trace: noop }),
    writable: true, configurable: true, enumerable: false,
  });

  const modules = new MapCtor();   // sha256 -> exports object
  const instances = new MapCtor(); // instance key -> policy function
  const pending = new MapCtor();   // call id -> output string, for async policies
  const chains = new MapCtor();    // chain id -> [[output, ms], …] finished so far

  const get = (map, key) => apply(mapGet, map, [key]);
  const set = (map, key, value) => apply(mapSet, map, [key, value]);
  const remove = (map, key) => apply(mapDelete, map, [key]);
  const cut = (value, max) => (value.length > max ? apply(slice, value, [0, max]) + "…" : value);

  function error(kind, message, stack) {
    return "E" + stringify({ __proto__: null, kind, message, stack });
  }

  // Reads a thrown value without trusting it: each read may throw, or loop until the timeout.
  function describe(kind, thrown, prefix) {
    let name = "Error";
    let message = "";
    let stack;
    try {
      if ((typeof thrown !== "object" && typeof thrown !== "function") || thrown === null) {
        message = StringCtor(thrown);
      } else {
        try { const v = thrown.name; if (typeof v === "string") name = v; } catch {}
        try { const v = thrown.message; if (typeof v === "string") message = v; } catch {}
        try { const v = thrown.stack; if (typeof v === "string") stack = cut(v, 4000); } catch {}
      }
    } catch {}
    return error(kind, (prefix || "") + cut(name, 100) + ": " + cut(message, 1000), stack);
  }

  function finish(result, max) {
    if (result === null || result === undefined) return "A";
    let json;
    try {
      json = stringify(result);
    } catch (e) {
      return describe("invalid_result", e, "the result cannot be serialised: ");
    }
    if (typeof json !== "string") return error("invalid_result", "the result is a " + typeof result + ", not an object");
    if (json.length > max) {
      return error("invalid_result", "the result is " + json.length + " characters of JSON; max_output_bytes is " + max);
    }
    return "R" + json;
  }

  // Runs one policy; an async one settles into "pending" during this call's microtask
  // checkpoint, which the timeout covers. Nothing can resume it later (no timers, no host
  // callbacks), so a promise still pending at collect time never settles.
  function run(policy, id, eventJson, max) {
    let result;
    try {
      const event = parse(eventJson);
      freezeDeep(event.session_state);
      result = apply(policy, undefined, [event]);
    } catch (e) {
      return describe("throw", e);
    }
    let thenable;
    try {
      thenable = (typeof result === "object" || typeof result === "function") && result !== null && typeof result.then === "function";
    } catch (e) {
      return describe("invalid_result", e, "reading the result's then threw ");
    }
    if (!thenable) return finish(result, max);
    set(pending, id, "P");
    try {
      const promise = apply(promiseResolve, PromiseCtor, [result]);
      apply(promiseThen, promise, [
        (value) => set(pending, id, finish(value, max)),
        (reason) => set(pending, id, describe("throw", reason)),
      ]);
    } catch (e) {
      remove(pending, id);
      return describe("throw", e);
    }
    return "P";
  }

  // Whether a chain must stop after this output: only plain ALLOW, ASK and abstain without
  // new data let it go on. The output is JSON this wrapper wrote, so parsing it is safe.
  function stops(out) {
    if (out === "A") return false;
    if (out[0] !== "R") return true;
    const verdict = parse(apply(slice, out, [1]));
    if (typeof verdict !== "object" || verdict === null || apply(hasOwn, verdict, ["data"])) return true;
    const result = apply(hasOwn, verdict, ["result"]) ? verdict.result : undefined;
    return typeof result !== "string" || apply(toUpperCase, result, []) === "DENY";
  }

  function collectChain(id) {
    const done = get(chains, id) || [];
    remove(chains, id);
    let text = "[";
    for (let i = 0; i < done.length; i++) text += (i ? "," : "") + "[" + stringify(done[i][0]) + "," + done[i][1] + "]";
    return text + "]";
  }

  function freezeDeep(value) {
    if (typeof value !== "object" || value === null) return;
    freeze(value);
    const keys = ownKeys(value);
    for (let i = 0; i < keys.length; i++) freezeDeep(value[keys[i]]);
  }

  return {
    // Runs a module's top level (inside try/catch, unlike Script#run) and keeps its exports.
    adopt(sha, body) {
      try {
        const exportsObject = apply(body, undefined, []);
        if ((typeof exportsObject !== "object" && typeof exportsObject !== "function") || exportsObject === null) {
          return error("invalid_result", "the module produced no exports");
        }
        set(modules, sha, exportsObject);
        return "ok";
      } catch (e) {
        return describe("throw", e, "module top level threw ");
      }
    },

    // Reports POLICY_REGISTRY and the type of each export, for the supervisor to validate.
    inspect(sha, max) {
      try {
        const exportsObject = get(modules, sha);
        const names = ownKeys(exportsObject);
        const types = { __proto__: null };
        for (let i = 0; i < names.length; i++) {
          if (typeof names[i] === "string") types[names[i]] = typeof exportsObject[names[i]];
        }
        const registry = exportsObject.POLICY_REGISTRY;
        return finish({ __proto__: null, registry: registry === undefined ? null : registry, exports: types }, max);
      } catch (e) {
        return describe("invalid_result", e, "reading POLICY_REGISTRY threw ");
      }
    },

    // Creates the evaluator of one binding: the export itself, or what the factory returns.
    instantiate(key, sha, name, kind, paramsJson) {
      try {
        const exportsObject = get(modules, sha);
        const fn = exportsObject[name];
        if (typeof fn !== "function") return error("invalid_result", 'export "' + name + '" is not a function');
        if (kind === "callable") {
          set(instances, key, fn);
          return "ok";
        }
        const policy = apply(fn, undefined, [parse(paramsJson)]);
        if (typeof policy !== "function") {
          const got = policy === null ? "null" : typeof policy;
          return error("invalid_result", 'factory "' + name + '" returned ' + got + ", not a policy function (factories must return the evaluator synchronously)");
        }
        set(instances, key, policy);
        return "ok";
      } catch (e) {
        return describe("throw", e, 'factory "' + name + '" threw ');
      }
    },

    // keysJson: the module's instances, as a JSON list. An index loop, not for-of: tenant code
    // may have replaced the array iterator.
    release(keysJson, sha) {
      const keys = parse(keysJson);
      for (let i = 0; i < keys.length; i++) remove(instances, keys[i]);
      remove(modules, sha);
      return "ok";
    },

    call(id, key, eventJson, max) {
      const policy = get(instances, key);
      return policy === undefined ? "M" : run(policy, id, eventJson, max);
    },

    // Runs several policies of one event in a row, in one entry into the isolate. It stops
    // after anything the worker must look at before going on — an error, a pending promise, a
    // DENY, new data — so the worker, which alone applies the rules, resumes from there. The
    // outputs are kept as they come, so after a timeout collectChain() still has the finished
    // ones. Output: [[output, ms], …], written out by hand (no user toJSON can interfere).
    chain(id, callsJson, eventTail, data, max) {
      const calls = parse(callsJson);
      const done = [];
      set(chains, id, done);
      for (let i = 0; i < calls.length; i++) {
        const policy = get(instances, calls[i][0]);
        if (policy === undefined) break;
        const started = dateNow();
        const out = run(policy, calls[i][2], '{"data":' + data + ',"session_state":' + calls[i][1] + "," + eventTail, max);
        defineProperty(done, i, { __proto__: null, value: [out, dateNow() - started], writable: true, enumerable: true, configurable: true });
        if (!stops(out)) continue;
        break;
      }
      return collectChain(id);
    },

    collectChain,

    collect(id) {
      const out = get(pending, id);
      remove(pending, id);
      return out === undefined ? "P" : out;
    },
  };
})()`;
