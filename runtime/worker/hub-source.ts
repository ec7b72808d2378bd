// The tenant's hub: trusted code in a context of its own, in which no tenant code ever runs.
// It holds the API of each module realm (realm-source.ts) and is the worker's only way in:
// every entry names the module by its code id. Module realms hand back only strings, so
// nothing a module made ever reaches this realm as an object, and no module can reach
// another module's realm through it.
//
// `chain` runs several policies of one event in a row, in one entry into the isolate: one
// hand-off to isolated-vm's thread pool instead of one per policy, across modules. It stops
// after anything the worker must look at before going on (an error, a pending promise, a
// DENY, new data), so the worker, which alone applies the decision rules, resumes from there.
// The outputs are kept as they come, so after a timeout collectChain() still has the finished
// ones. Output: [[output, ms], …], written out by hand. `batch` does the same for the calls of
// several requests of the tenant that arrived together, one policy each.
export const HUB_SOURCE = String.raw`(function () {
  "use strict";
  const { apply } = Reflect;
  const { parse, stringify } = JSON;
  const { freeze } = Object;
  const slice = String.prototype.slice;
  const toUpperCase = String.prototype.toUpperCase;
  const hasOwn = Object.prototype.hasOwnProperty;
  const MapCtor = Map;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapDelete = Map.prototype.delete;
  const dateNow = Date.now;

  const realms = new MapCtor(); // code id -> the realm's frozen API object
  const chains = new MapCtor(); // chain id -> [[output, ms], …] finished so far
  const get = (map, key) => apply(mapGet, map, [key]);
  const set = (map, key, value) => apply(mapSet, map, [key, value]);
  const remove = (map, key) => apply(mapDelete, map, [key]);

  const fault = (message) => "E" + stringify({ __proto__: null, kind: "crash", message });

  // Calls one entry of a realm. The realm catches everything its module throws; what still
  // escapes (its own handler overflowing the stack) is not read here, only reported.
  function enter(code, entry, args) {
    const realm = get(realms, code);
    if (realm === undefined) return "M";
    let out;
    try {
      out = apply(realm[entry], undefined, args);
    } catch {
      return fault("an error escaped the module's realm");
    }
    return typeof out === "string" ? out : fault("the module's realm answered " + typeof out);
  }

  // Whether a chain must stop after this output: only plain ALLOW, ASK and abstain without
  // new data let it go on. A realm answers with what its module made, so this is parsed with
  // this realm's own JSON.parse and read through own properties only.
  function stops(out) {
    if (out === "A") return false;
    if (out[0] !== "R") return true;
    let verdict;
    try {
      verdict = parse(apply(slice, out, [1]));
    } catch {
      return true;
    }
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

  return freeze({
    __proto__: null,

    // Registers a new realm and runs its module's top level; a module that fails is forgotten.
    adopt(code, realm, body) {
      set(realms, code, realm);
      const out = enter(code, "adopt", [body]);
      if (out !== "ok") remove(realms, code);
      return out;
    },

    forget(code) {
      remove(realms, code);
      return "ok";
    },

    inspect(code, max) {
      return enter(code, "inspect", [max]);
    },

    instantiate(code, key, name, kind, paramsJson) {
      return enter(code, "instantiate", [key, name, kind, paramsJson]);
    },

    call(code, id, key, eventJson, max) {
      return enter(code, "call", [id, key, eventJson, max]);
    },

    collect(code, id) {
      return enter(code, "collect", [id]);
    },

    // callsJson: [[code, key, stateJson, pendingId], …]. An index loop, not for-of.
    chain(id, callsJson, eventTail, data, max) {
      const calls = parse(callsJson);
      const done = [];
      set(chains, id, done);
      for (let i = 0; i < calls.length; i++) {
        const [code, key, state, pendingId] = calls[i];
        const started = dateNow();
        const out = enter(code, "call", [pendingId, key, '{"data":' + data + ',"session_state":' + state + "," + eventTail, max]);
        // An evaluator the worker believed was there is not: the worker makes it and runs on.
        if (out === "M") break;
        done[i] = [out, dateNow() - started];
        if (stops(out)) break;
      }
      return collectChain(id);
    },

    // Several events of this tenant, one policy each: their calls in one entry. They do not
    // depend on one another, so nothing stops the batch but a missing evaluator.
    // callsJson: [[code, key, eventJson, pendingId], …].
    batch(id, callsJson, max) {
      const calls = parse(callsJson);
      const done = [];
      set(chains, id, done);
      for (let i = 0; i < calls.length; i++) {
        const [code, key, eventJson, pendingId] = calls[i];
        const started = dateNow();
        const out = enter(code, "call", [pendingId, key, eventJson, max]);
        if (out === "M") break;
        done[i] = [out, dateNow() - started];
      }
      return collectChain(id);
    },

    collectChain,
  });
})()`;
