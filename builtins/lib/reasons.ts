// Reasons quote what the agent sent (tool and model names, hosts, paths), which can be of
// any length; a reason past the SDK's 4096 characters makes the result invalid, and the
// binding then answers its on_error instead of the verdict.

/** `s`, cut to `max` characters and an ellipsis when longer. */
export const shorten = (s: string, max = 160): string => (s.length > max ? `${s.slice(0, max)}…` : s);
