// util.parseArgs's answer for the command lines every start has, without
// loading it. Node compiles that module from source at its first call (~1 ms
// here: V8 refuses Node's own code cache under the executable's V8 flags), and
// a boot or a CLI command is started often. Only the plainest shapes are
// taken: long options known to OPTIONS (`--name`, `--name value`,
// `--name=value`) and operands. Anything else (short options, `--`, an
// unknown or repeated-multiple option, a value that starts with "-", a value
// given to a boolean) answers null, and the caller asks util.parseArgs,
// which also words the errors. What is returned is what util.parseArgs
// returns for the same line in strict mode with tokens (test/unit/simple-args).
import type { ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

interface OptionToken {
  kind: "option";
  name: string;
  rawName: string;
  index: number;
  value: string | undefined;
  inlineValue: boolean | undefined;
}
interface PositionalToken {
  kind: "positional";
  index: number;
  value: string;
}

export interface SimpleParse {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  tokens: Array<OptionToken | PositionalToken>;
}

/** The strict parse of ARGS, or null when it is not one of the plain shapes. */
export function parseSimpleArgs(args: readonly string[], options: Options, allowPositionals: boolean): SimpleParse | null {
  const values: Record<string, string | boolean | undefined> = Object.create(null);
  const positionals: string[] = [];
  const tokens: SimpleParse["tokens"] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = Object.hasOwn(options, name) ? options[name] : undefined;
      if (!spec || spec.multiple || name === "") return null;
      const rawName = `--${name}`;
      if (spec.type === "boolean") {
        if (eq >= 0) return null;
        values[name] = true;
        tokens.push({ kind: "option", name, rawName, index: i, value: undefined, inlineValue: undefined });
        continue;
      }
      if (eq >= 0) {
        const value = arg.slice(eq + 1);
        values[name] = value;
        tokens.push({ kind: "option", name, rawName, index: i, value, inlineValue: true });
        continue;
      }
      const next = args[i + 1];
      if (next === undefined || next.startsWith("-")) return null;
      values[name] = next;
      tokens.push({ kind: "option", name, rawName, index: i, value: next, inlineValue: false });
      i++;
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") return null;
    if (!allowPositionals) return null;
    positionals.push(arg);
    tokens.push({ kind: "positional", index: i, value: arg });
  }
  for (const [name, spec] of Object.entries(options)) {
    if (spec.default !== undefined && values[name] === undefined) values[name] = spec.default as string | boolean;
  }
  return { values, positionals, tokens };
}
