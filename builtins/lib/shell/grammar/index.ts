// The grammar's door: the analysis parses the scripts it finds inside commands (`sh -c`, eval,
// a heredoc fed to a shell) with parseInto, and the text that bash expands later (arithmetic,
// heredoc bodies) with scanExpansions. GRAMMAR is what index.ts hands each parse.
export { scanExpansions } from "./lexer.ts";
export { GRAMMAR, parseInto } from "./parser.ts";
