// Property tests of the resource parsers on arbitrary input: nothing throws,
// and a value that is accepted is exactly what the text says. In particular,
// a `user` line is either refused or maps to the ids it names: no input
// falls through to "keep PID 1's root".
import { suite } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseLimit, parseNice, parseUmask, type ResourceHost } from "../../src/resources/service-resources";
import { resolveUser } from "../../src/resources/service-user";
import { MAX_ID, parseGroup, parsePasswd } from "../../src/resources/userdb";
import { check } from "../fuzz/fuzz";

const test = suite("resources: properties");

// Text made of the characters that matter to colon files and to values.
const text = (maxLength = 40) =>
  fc
    .array(fc.oneof(fc.constantFrom(":", ",", "\n", " ", "\t", "#", "+", "-", "0", "1", "9", "a", "z", "/", "\r", "é"), fc.string({ maxLength: 3 })), {
      maxLength,
    })
    .map((a) => a.join(""));

test("passwd and group parsers: any text, no throw, only well-formed ids", () => {
  check(
    "userdb",
    fc.property(text(200), (t) => {
      const pw = parsePasswd(t);
      for (const e of pw.byName.values()) {
        assert.ok(Number.isInteger(e.uid) && e.uid >= 0 && e.uid <= MAX_ID && Number.isInteger(e.gid) && e.gid <= MAX_ID);
        assert.ok(e.name !== "" && !e.name.includes(":") && !e.name.includes("\n"));
      }
      for (const gids of parseGroup(t).values()) {
        assert.ok(gids.every((g) => Number.isInteger(g) && g >= 0 && g <= MAX_ID));
        assert.is(new Set(gids).size, gids.length, "no gid twice");
      }
    }),
  );
});

test("user: any line is refused or resolves to the ids it names", () => {
  const etc = fs.mkdtempSync(path.join(os.tmpdir(), "tsinit-res-fuzz-"));
  fs.writeFileSync(`${etc}/passwd`, "root:x:0:0::/root:/bin/sh\nalice:x:1000:100::/home/alice:/bin/sh\n");
  fs.writeFileSync(`${etc}/group`, "wheel:x:10:alice\n");
  const values = fc.oneof(
    text(12),
    fc.constantFrom("root", "alice", "0", "1000", "1000:5", "alice ", "4294967294", "4294967295"),
    fc.tuple(fc.nat(), fc.option(fc.nat())).map(([u, g]) => (g === null ? `${u}` : `${u}:${g}`)),
  );
  try {
    check(
      "user",
      fc.property(values, (v) => {
        const r = resolveUser(v, etc, "DIR/user");
        if (!r.ok) {
          assert.ok(r.problem.includes("DIR/user"), r.problem);
          return;
        }
        const numeric = /^([0-9]+)(?::([0-9]+))?$/.exec(v);
        if (numeric) {
          assert.is(r.user.uid, Number(numeric[1]));
          if (numeric[2] !== undefined) assert.equal([r.user.gid, r.user.groups], [Number(numeric[2]), [Number(numeric[2])]]);
        } else {
          assert.ok(v === "root" || v === "alice", `accepted ${JSON.stringify(v)}`);
          assert.is(r.user.uid, v === "root" ? 0 : 1000);
        }
        assert.is(r.user.groups[0], r.user.gid, "the primary group first");
      }),
    );
  } finally {
    fs.rmSync(etc, { recursive: true, force: true });
  }
});

test("rlimits, nice, umask: any line, no throw; accepted values are in range", () => {
  const host: ResourceHost = { etc: "/nonexistent", getrlimit: () => [10, 1000] };
  check(
    "rlimit",
    fc.property(text(16), (v) => {
      const r = parseLimit("nofile", v, "F", host);
      if (!r.ok) return assert.ok(r.problem.includes("F"));
      const [, soft, hard] = r.value;
      assert.ok(soft >= 0 && hard >= soft, `${v} → ${soft}:${hard}`);
    }),
  );
  check(
    "nice",
    fc.property(text(6), (v) => {
      const r = parseNice(v, "F");
      if (r.ok) assert.ok(Number.isInteger(r.value) && r.value >= -20 && r.value <= 19, v);
    }),
  );
  check(
    "umask",
    fc.property(text(6), (v) => {
      const r = parseUmask(v, "F");
      if (r.ok) assert.ok(Number.isInteger(r.value) && r.value >= 0 && r.value <= 0o777, v);
    }),
  );
});

test.run();
