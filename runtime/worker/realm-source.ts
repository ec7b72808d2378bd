// The trusted code that runs first in every module's realm. Each module (and the builtins) runs
// in a V8 context of its own inside the tenant's isolate, so no module can change the
// intrinsics, prototypes or globals that another module computes with: a module that replaces
// `Array.prototype.some` or plants `toJSON` on `Object.prototype` changes only its own verdicts,
// which it controls anyway. This script captures what it needs before the module's code exists,
// closes what would let code escape its limits, and mediates every entry into the module.
//
// Rules it keeps (see ../shared/NOTES-isolated-vm.md):
// - Nothing the module returns or throws leaves as an object. Each entry point returns one
//   primitive string, built inside the timed call, so a getter, a Proxy or a `toJSON` that
//   loops is stopped by the timeout instead of hanging the worker afterwards.
// - The module can replace any global or prototype method after setup, so this code calls only
//   the functions it captured, through `Reflect.apply`, and builds its own objects with a null
//   prototype (JSON.stringify looks up `toJSON` on the prototype chain).
// - The API object goes to the tenant's hub (hub-source.ts) and is never stored on the global,
//   so the module cannot reach it. The code is strict, so `fn.caller` and
//   `Error.prepareStackTrace` call sites cannot reveal its functions.
//
// Output strings start with a tag: "A" abstain (or "ok" for setup calls), "R" + JSON result,
// "E" + JSON error, "P" pending (an async policy; collect it after the microtasks ran),
// "M" missing instance.

/**
 * Wraps bundle code so that compiling and running the script runs no tenant code. Strict mode
 * restores the semantics of the ES modules authors wrote (esbuild's iife output drops them),
 * so writing to the frozen session_state throws instead of failing silently. Everything stays
 * on the bundle's first line, so stack positions still match its source map.
 */
export function wrapBundle(code: string, exportsGlobal: string): string {
  return `(function () {"use strict";${code}\nreturn ${exportsGlobal};\n})`;
}

export const REALM_SOURCE = String.raw`(function () {
  "use strict";
  const global = globalThis;
  const { apply, ownKeys, construct } = Reflect;
  const { parse, stringify } = JSON;
  const { freeze, defineProperty } = Object;
  const ProxyCtor = Proxy;
  const StringCtor = String;
  const slice = String.prototype.slice;
  const PromiseCtor = Promise;
  const promiseResolve = Promise.resolve;
  const promiseThen = Promise.prototype.then;
  const MapCtor = Map;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapDelete = Map.prototype.delete;

  // What would let code escape its limits:
  // - memory V8 does not count (wasm) and memory shared across threads;
  // - work that runs after a call returned, outside every timeout: FinalizationRegistry
  //   callbacks run on isolated-vm's task runner when the GC decides, and WeakRef lets code
  //   observe the GC, which only serves such schemes.
  for (const name of ["WebAssembly", "SharedArrayBuffer", "Atomics", "FinalizationRegistry", "WeakRef"]) delete global[name];
  // A resizable ArrayBuffer commits its pages outside isolated-vm's allocator, so memory_mb
  // does not see them (a 64 MB isolate grew one to 512 MB). Every ArrayBuffer made by name is
  // fixed-length; the constructor reached through a buffer's prototype is this one too.
  // The handler has a null prototype: traps planted on Object.prototype must not apply.
  const FixedArrayBuffer = new ProxyCtor(ArrayBuffer, {
    __proto__: null,
    construct(target, args, newTarget) { return construct(target, [args[0]], newTarget); },
  });
  defineProperty(ArrayBuffer.prototype, "constructor", { value: FixedArrayBuffer, writable: true, configurable: true, enumerable: false });
  defineProperty(global, "ArrayBuffer", { value: FixedArrayBuffer, writable: true, configurable: true, enumerable: false });
  // Policies that log must not fail for it; the output goes nowhere.
  const noop = function () {};
  defineProperty(global, "console", {
    value: freeze({ log: noop, info: noop, warn: noop, error: noop, debug: noop, trace: noop }),
    writable: true, configurable: true, enumerable: false,
  });

  let exportsObject = null;
  const instances = new MapCtor(); // instance key -> policy function
  const pending = new MapCtor();   // call id -> output string, for async policies

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

  function freezeDeep(value) {
    if (typeof value !== "object" || value === null) return;
    freeze(value);
    const keys = ownKeys(value);
    for (let i = 0; i < keys.length; i++) freezeDeep(value[keys[i]]);
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

  return freeze({
    __proto__: null,

    // Runs the module's top level (inside try/catch, unlike Script#run) and keeps its exports.
    adopt(body) {
      try {
        const made = apply(body, undefined, []);
        if ((typeof made !== "object" && typeof made !== "function") || made === null) {
          return error("invalid_result", "the module produced no exports");
        }
        exportsObject = made;
        return "ok";
      } catch (e) {
        return describe("throw", e, "module top level threw ");
      }
    },

    // Reports POLICY_REGISTRY and the type of each export, for the supervisor to validate.
    inspect(max) {
      try {
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
    instantiate(key, name, kind, paramsJson) {
      try {
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

    call(id, key, eventJson, max) {
      const policy = get(instances, key);
      return policy === undefined ? "M" : run(policy, id, eventJson, max);
    },

    collect(id) {
      const out = get(pending, id);
      remove(pending, id);
      return out === undefined ? "P" : out;
    },
  });
})()`;
