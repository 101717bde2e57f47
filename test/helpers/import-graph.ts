// The import graph of a source tree, read as text (no bundler): every
// `import ... from "X"`, `export ... from "X"`, `import("X")` and
// `require("X")`, relative ones resolved to files. The import-rule test
// checks the rules of docs/architecture.md against it.
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { checkGraph, type DepNode } from "../../src/s6/deps";

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

/** Rooms that import each other, directly or round a loop: each loop once,
 *  as its rooms sorted. The cycle finder is the one boot orders services with. */
export function roomCycles(graph: ImportGraph): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [path, { local }] of graph) {
    if (!edges.has(roomOf(path))) edges.set(roomOf(path), new Set());
    for (const to of local) if (roomOf(path) !== roomOf(to)) edges.get(roomOf(path))!.add(roomOf(to));
  }
  const nodes: DepNode[] = [...edges].map(([room, deps]) => ({ name: room, kind: "service", deps: [...deps], source: room }));
  const cycles = checkGraph(nodes).problems.filter((p) => p.includes(": dependency cycle: "));
  return cycles.map((p) => [...new Set(p.split(": dependency cycle: ")[1]!.split(" -> "))].sort());
}
