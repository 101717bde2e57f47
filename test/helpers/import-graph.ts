// The import graph of a source tree, read as text (no bundler): every
// `import ... from "X"`, `export ... from "X"`, `import("X")` and
// `require("X")`, relative ones resolved to files. The import-rule test
// checks the rules of docs/architecture.md against it.
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** One file's imports: relative ones as tree paths ("s6/letters.ts"), the others as written ("node:fs"). */
export interface FileImports {
  local: string[];
  external: string[];
}

/** path relative to the tree -> its imports. */
export type ImportGraph = Map<string, FileImports>;

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

/** The specifiers a file's text imports, comments left out. */
export function specifiersOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(SPECIFIER)].map((m) => m[1]!);
}

/** The graph of a map of path -> text (paths relative to the tree, "/" separated). */
export function graphOf(files: Map<string, string>): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const [path, text] of files) {
    const local: string[] = [];
    const external: string[] = [];
    for (const spec of specifiersOf(text)) {
      if (!spec.startsWith(".")) {
        external.push(spec);
        continue;
      }
      const base = normalize(join(dirname(path), spec));
      const hit = [`${base}.ts`, `${base}/index.ts`, base].find((c) => files.has(c));
      if (hit) local.push(hit);
    }
    graph.set(path, { local, external });
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

/** A file's room: its top folder ("supervise"), or the file itself at the top ("main.ts"). */
export const roomOf = (path: string): string => path.split("/")[0]!;

/** Rooms that import each other, directly or round a loop: each loop once, as its rooms in order. */
export function roomCycles(graph: ImportGraph): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [path, { local }] of graph) {
    for (const to of local) {
      if (roomOf(path) === roomOf(to)) continue;
      if (!edges.has(roomOf(path))) edges.set(roomOf(path), new Set());
      edges.get(roomOf(path))!.add(roomOf(to));
    }
  }
  // Tarjan's strongly connected components: a component of more than one room is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}
