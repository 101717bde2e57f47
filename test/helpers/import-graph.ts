// The import graph of a source tree, read as text (no bundler): every
// `import ... from "X"`, `export ... from "X"`, `import "X"`, `import("X")` and
// `require("X")`, relative ones resolved to files of the tree. The import-rule
// test checks the rules of docs/architecture.md against it: the pure rooms,
// and the floors, which it reads from that document's table.
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** One file's imports: relative ones as tree paths ("s6/letters.ts"), the
 *  others as written ("node:fs", or a build output outside the tree), and the
 *  relative ones that name no file of the tree. */
export interface FileImports {
  local: string[];
  external: string[];
  unresolved: string[];
}

/** path relative to the tree -> its imports. */
export type ImportGraph = Map<string, FileImports>;

type Token = { kind: "name" | "string" | "template" | "regex" | "punct"; text: string };

/** After these a "/" starts a regex literal, not a division. */
const BEFORE_REGEX = new Set(["return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw", "instanceof", "yield", "await"]);

/** The tokens of a file that matter for its imports: names, punctuation and
 *  string literals; comments dropped, and string, template and regex bodies
 *  kept whole, so that "task/*.json" in a string or a comment hides nothing. */
function tokensOf(text: string): Token[] {
  const out: Token[] = [];
  const braces: number[] = []; // for each open `${`, the `{` opened inside it
  let i = 0;
  const template = (start: number): void => {
    // from just after "`" or "}" up to the closing "`" or a "${"
    let j = start;
    while (j < text.length && text[j] !== "`" && !(text[j] === "$" && text[j + 1] === "{")) j += text[j] === "\\" ? 2 : 1;
    out.push({ kind: "template", text: text.slice(start, j) });
    if (text[j] === "$") {
      braces.push(0);
      i = j + 2;
    } else i = j + 1;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (text.startsWith("//", i)) i = text.indexOf("\n", i) === -1 ? text.length : text.indexOf("\n", i);
    else if (text.startsWith("/*", i)) i = text.indexOf("*/", i + 2) === -1 ? text.length : text.indexOf("*/", i + 2) + 2;
    else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      out.push({ kind: "string", text: text.slice(i + 1, j) });
      i = j + 1;
    } else if (c === "`") template(i + 1);
    else if (c === "}" && braces.length > 0 && braces.at(-1) === 0) {
      braces.pop();
      template(i + 1);
    } else if (c === "/") {
      const prev = out.at(-1);
      const regex = !prev || (prev.kind === "punct" && !")]}".includes(prev.text)) || (prev.kind === "name" && BEFORE_REGEX.has(prev.text));
      if (!regex) {
        out.push({ kind: "punct", text: c });
        i++;
        continue;
      }
      let j = i + 1;
      let inClass = false;
      while (j < text.length && text[j] !== "\n" && (inClass || text[j] !== "/")) {
        if (text[j] === "[") inClass = true;
        else if (text[j] === "]") inClass = false;
        j += text[j] === "\\" ? 2 : 1;
      }
      out.push({ kind: "regex", text: text.slice(i, j + 1) });
      i = j + 1;
    } else {
      const name = /^[\w$]+/.exec(text.slice(i, i + 256));
      if (name) {
        out.push({ kind: "name", text: name[0] });
        i += name[0].length;
        continue;
      }
      if (braces.length > 0 && c === "{") braces[braces.length - 1]!++;
      else if (braces.length > 0 && c === "}") braces[braces.length - 1]!--;
      out.push({ kind: "punct", text: c });
      i++;
    }
  }
  return out;
}

/** The specifiers a file's code imports: a string after `from` or a bare
 *  `import`, or the first argument of `import(` and `require(`. */
export function specifiersOf(text: string): string[] {
  const t = tokensOf(text);
  const specs: string[] = [];
  t.forEach((tok, k) => {
    if (tok.kind !== "string") return;
    const before = t[k - 1];
    const call = before?.text === "(" ? t[k - 2] : undefined;
    if (
      (before?.kind === "name" && (before.text === "from" || before.text === "import")) ||
      (call?.kind === "name" && (call.text === "import" || call.text === "require"))
    )
      specs.push(tok.text);
  });
  return specs;
}

/** The graph of a map of path -> text (paths relative to the tree, "/" separated). */
export function graphOf(files: Map<string, string>): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const [path, text] of files) {
    const imports: FileImports = { local: [], external: [], unresolved: [] };
    for (const spec of specifiersOf(text)) {
      const base = normalize(join(dirname(path), spec));
      if (!spec.startsWith(".") || base.startsWith("../")) {
        imports.external.push(spec); // a package, or a file outside the tree (the addon's build output)
        continue;
      }
      const hit = [`${base}.ts`, `${base}/index.ts`, base].find((c) => files.has(c));
      if (hit) imports.local.push(hit);
      else imports.unresolved.push(spec);
    }
    graph.set(path, imports);
  }
  return graph;
}

/** Every .ts file under root, as a map for graphOf. */
export function readTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith(".ts")) files.set(relative(root, full), readFileSync(full, "utf8"));
    }
  };
  if (existsSync(root)) walk(root);
  return files;
}

/** A file's room: its top folder ("supervise"); the files at the top of the
 *  tree (main.ts, commands.ts, version.ts) are one room, ".". */
export const roomOf = (path: string): string => (path.includes("/") ? path.split("/")[0]! : ".");

/** A room's floor by the name the table gives it: "supervise/" or "main.ts". */
export type Floors = Map<string, number>;

/** The floors table of an architecture document: the first table whose header
 *  starts "| floor | room |", one row per floor (a number, 0 the ground), its
 *  rooms each in backquotes ("`boot/`", "`main.ts`"). */
export function floorsOf(markdown: string): Floors {
  const floors: Floors = new Map();
  const lines = markdown.split("\n");
  const head = lines.findIndex((l) => /^\|\s*floor\s*\|\s*room\s*\|/.test(l));
  if (head < 0) return floors;
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith("|")) break;
    const [, floor, rooms] = line.split("|").map((cell) => cell.trim());
    if (!/^\d+$/.test(floor ?? "")) throw new Error(`not a floor number: ${line}`);
    for (const m of (rooms ?? "").matchAll(/`([^`]+)`/g)) floors.set(m[1]!, Number(floor));
  }
  return floors;
}

/** The floor of a file's room, or undefined when the table has none. */
export const floorOf = (floors: Floors, path: string): number | undefined => floors.get(path.includes("/") ? `${roomOf(path)}/` : path);

/** What breaks the floors: "FILE (floor F) imports TO (floor T)" for each
 *  import of a room on the same floor or above (a room's own files excepted),
 *  "FILE is on no floor" for a file whose room the table lacks, and
 *  "FILE imports SPEC, which is no file" for a relative import that names nothing. */
export function floorViolations(graph: ImportGraph, floors: Floors): string[] {
  const out: string[] = [];
  for (const [path, { local, unresolved }] of graph) {
    for (const spec of unresolved) out.push(`${path} imports ${spec}, which is no file`);
    const from = floorOf(floors, path);
    if (from === undefined) {
      out.push(`${path} is on no floor`);
      continue;
    }
    for (const to of local) {
      const floor = floorOf(floors, to);
      if (roomOf(to) !== roomOf(path) && floor !== undefined && floor >= from) out.push(`${path} (floor ${from}) imports ${to} (floor ${floor})`);
    }
  }
  return out;
}

/** "ROOM stands on floor F, but what it imports allows floor G" for each room
 *  the table puts higher than one above the highest room it imports: so the
 *  table says where each room stands, not only a floor it stays under. */
export function floorsTooHigh(graph: ImportGraph, floors: Floors): string[] {
  const rooms = new Map<string, { floor: number | undefined; need: number }>();
  for (const [path, { local }] of graph) {
    const room = rooms.get(roomOf(path)) ?? { floor: floorOf(floors, path), need: 0 };
    for (const to of local) if (roomOf(to) !== roomOf(path)) room.need = Math.max(room.need, (floorOf(floors, to) ?? -1) + 1);
    rooms.set(roomOf(path), room);
  }
  return [...rooms]
    .filter(([, { floor, need }]) => floor !== undefined && floor > need)
    .map(([room, { floor, need }]) => `${room === "." ? "the top" : `${room}/`} stands on floor ${floor}, but what it imports allows floor ${need}`);
}
