// A service dir's user, rlimits/, nice, umask and env/ on temp dirs with a
// fake etc root and fake PID 1 limits: every rule, every refusal, and the
// common case (none of the files) costing one directory listing.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { readServiceResources, type ResourceHost, type ResourcesResult } from "../../src/resources/service-resources";

const made: string[] = [];

/** A temp dir holding FILES (name → content; a trailing "/" makes a dir). */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsinit-res-"));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const p = path.join(dir, name);
    if (name.endsWith("/")) {
      fs.mkdirSync(p, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return dir;
}

const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "# a comment",
  "alice:x:1000:1000:Alice:/home/alice:/bin/sh",
  "broken:x:notanumber:1:b:/b:/bin/sh",
  "svc:x:2000:2001::/var/lib/svc:/usr/sbin/nologin",
  "alice:x:1234:1234:second alice, ignored:/nowhere:/bin/sh",
  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
  "",
].join("\n");
const GROUP = [
  "root:x:0:",
  "wheel:x:10:bob,alice",
  "audio:x:29:alice",
  "alice:x:1000:",
  "staff:x:50:carol, alice",
  "again:x:29:alice",
  "nogroup:x:65534:",
  "",
].join("\n");

/** A fake etc root with passwd and group (either left out when null). */
function etc(passwd: string | null = PASSWD, group: string | null = GROUP): string {
  const files: Record<string, string> = {};
  if (passwd !== null) files.passwd = passwd;
  if (group !== null) files.group = group;
  return tree(files);
}

/** PID 1's limits as the tests pretend them: hard 1000 for everything. */
const host = (etcDir = etc()): ResourceHost => ({ etc: etcDir, getrlimit: () => [100, 1000] });
const BASE = ["PATH=/usr/bin:/bin", "GLOBAL=1", "HOME=/"];

const read = (files: Record<string, string>, h = host(), base = BASE) => {
  const dir = tree(files);
  return { dir, r: readServiceResources(dir, base, h) };
};
const ok = (r: ResourcesResult) => {
  if (!r.ok) throw new Error(`expected ok, got ${r.problem}`);
  return r.options;
};
const problem = (r: ResourcesResult): string => {
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.options)}`);
  return r.problem;
};
const envOf = (env: string[]) => Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));

const test = suite("resources");

test("no resource files: the base env itself, no other field, no warning", () => {
  const { r } = read({ run: "#!/bin/sh\n", "notification-fd": "3\n", down: "" });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(Object.keys(r.options), ["env"]);
  assert.is(r.options.env, BASE, "the same array, not a copy");
  assert.equal(r.warnings, []);
});

test("no resource files: one listing, no file opened, no passwd, no getrlimit", () => {
  const dir = tree({ run: "#!/bin/sh\n", finish: "#!/bin/sh\n", "timeout-kill": "10\n" });
  const calls: string[] = [];
  // The module object itself (the namespace import is read-only); service-resources.ts reads through it.
  const real = require("node:fs") as Record<string, (...a: unknown[]) => unknown>;
  const spied = ["readdirSync", "readFileSync", "openSync", "statSync", "lstatSync", "accessSync", "existsSync"];
  const saved = spied.map((name) => real[name]);
  for (const [i, name] of spied.entries()) {
    real[name] = (...a: unknown[]) => {
      calls.push(name);
      return saved[i]!(...a);
    };
  }
  let r: ResourcesResult;
  try {
    r = readServiceResources(dir, BASE, {
      etc: "/nonexistent-etc",
      getrlimit: () => {
        throw new Error("called getrlimit");
      },
    });
  } finally {
    for (const [i, name] of spied.entries()) real[name] = saved[i]!;
  }
  assert.ok(r.ok);
  assert.equal(calls, ["readdirSync"]);
});

test("user NAME: uid and gid from passwd, groups = gid + groups listing it, USER/LOGNAME/HOME set", () => {
  const { r } = read({ user: "alice\n" });
  const o = ok(r);
  assert.is(o.uid, 1000);
  assert.is(o.gid, 1000);
  assert.equal(o.groups, [1000, 10, 29, 50], "primary first, then wheel, audio, staff; a repeated gid once");
  const env = envOf(o.env);
  assert.equal([env.USER, env.LOGNAME, env.HOME, env.GLOBAL, env.PATH], ["alice", "alice", "/home/alice", "1", "/usr/bin:/bin"]);
  assert.is(o.env.filter((kv) => kv.startsWith("HOME=")).length, 1, "HOME replaced, not doubled");
});

test("user NAME: the first passwd entry wins; trailing blanks and later lines ignored", () => {
  const o = ok(read({ user: "alice \t\r\nroot\n" }).r);
  assert.is(o.uid, 1000);
});

test("user NAME not in passwd: refused with the reason and both paths", () => {
  const e = etc();
  const { dir, r } = read({ user: "nosuch\n" }, host(e));
  assert.is(problem(r), `unable to find user nosuch in ${e}/passwd (${dir}/user)`);
});

test("user NAME with no passwd at all: refused", () => {
  const e = etc(null);
  const { r } = read({ user: "alice" }, host(e));
  assert.match(problem(r), `unable to read ${e}/passwd: No such file or directory (ENOENT)`);
});

test("user NAME with no group file: the primary group alone", () => {
  const o = ok(read({ user: "svc" }, host(etc(PASSWD, null))).r);
  assert.equal([o.uid, o.gid, o.groups], [2000, 2001, [2001]]);
});

test("user UID in passwd: that entry's gid, groups and env", () => {
  const o = ok(read({ user: "1000" }).r);
  assert.equal([o.uid, o.gid, o.groups], [1000, 1000, [1000, 10, 29, 50]]);
  assert.is(envOf(o.env).USER, "alice");
});

test("user UID not in passwd (or no passwd): gid = uid, groups [uid], env untouched", () => {
  for (const e of [etc(), etc(null, null)]) {
    const o = ok(read({ user: "4242" }, host(e)).r);
    assert.equal([o.uid, o.gid, o.groups], [4242, 4242, [4242]]);
    assert.is(o.env, BASE);
  }
});

test("user UID:GID: exactly these, groups [GID], env untouched even when the uid is in passwd", () => {
  const o = ok(read({ user: "1000:77" }).r);
  assert.equal([o.uid, o.gid, o.groups], [1000, 77, [77]]);
  assert.is(o.env, BASE);
});

test("user 0 is allowed when written on purpose", () => {
  const o = ok(read({ user: "0" }).r);
  assert.equal([o.uid, o.gid, o.groups], [0, 0, [0]]);
});

test("malformed user values are refused, never run as root", () => {
  for (const bad of ["", "\n", " alice", "a b", "1:2:3", "1:", ":1", "-alice", "a:b", "4294967295", "1:4294967295", "../x"]) {
    const { dir, r } = read({ user: bad });
    const p = problem(r);
    assert.ok(p.includes(`${dir}/user`), `${JSON.stringify(bad)}: ${p}`);
  }
});

test("an unreadable user file (a directory) is refused", () => {
  const { r } = read({ "user/": "" });
  assert.match(problem(r), /unable to read .*\/user: Illegal operation on a directory \(EISDIR\)/);
});

test("a fifo in place of a value file is read as empty (refused), never waited on", () => {
  for (const name of ["user", "nice", "umask", "rlimits/nofile"]) {
    const dir = tree(name.includes("/") ? { "rlimits/": "" } : {});
    assert.is(spawnSync("mkfifo", [path.join(dir, name)]).status, 0);
    const r = readServiceResources(dir, BASE, host());
    assert.match(problem(r), `${dir}/${name}`, name);
  }
  const e = etc(null);
  assert.is(spawnSync("mkfifo", [path.join(e, "passwd")]).status, 0);
  assert.match(problem(read({ user: "alice" }, host(e)).r), `unable to read ${e}/passwd: not a regular file`);
});

test("passwd edits are seen at the next read (cache keyed by the file's stat)", () => {
  const e = etc();
  const svc = tree({ user: "carol" });
  assert.match(problem(readServiceResources(svc, BASE, host(e))), "unable to find user carol");
  fs.appendFileSync(path.join(e, "passwd"), "carol:x:3000:3000::/home/carol:/bin/sh\n");
  const o = ok(readServiceResources(svc, BASE, host(e)));
  assert.equal([o.uid, o.groups], [3000, [3000, 50]]);
});

test("rlimits: SOFT:HARD, lone SOFT keeps PID 1's hard, SOFT above it raises it, unlimited/infinity", () => {
  const asked: string[] = [];
  const h: ResourceHost = {
    etc: etc(),
    getrlimit: (name) => {
      asked.push(name);
      return [100, 1000];
    },
  };
  const o = ok(
    read(
      {
        "rlimits/nofile": "123:456\n",
        "rlimits/stack": "500",
        "rlimits/nproc": "2000",
        "rlimits/core": "unlimited",
        "rlimits/memlock": "infinity:infinity",
        "rlimits/cpu": "10:unlimited",
      },
      h,
    ).r,
  );
  assert.equal(o.rlimits, [
    ["CORE", Infinity, Infinity],
    ["CPU", 10, Infinity],
    ["MEMLOCK", Infinity, Infinity],
    ["NOFILE", 123, 456],
    ["NPROC", 2000, 2000],
    ["STACK", 500, 1000],
  ]);
  assert.equal(asked.sort(), ["CORE", "NPROC", "STACK"], "PID 1's limit asked only for lone values");
});

test("rlimits: every documented name is accepted", () => {
  const names = "as core cpu data fsize locks memlock msgqueue nice nofile nproc rss rtprio rttime sigpending stack".split(" ");
  const files = Object.fromEntries(names.map((n) => [`rlimits/${n}`, "1:2"]));
  const o = ok(read(files).r);
  assert.equal(
    o.rlimits?.map((l) => l[0]),
    names.map((n) => n.toUpperCase()),
  );
});

test("rlimits: an unknown name is a warning naming it and is ignored; dot-files are silent", () => {
  const { dir, r } = read({ "rlimits/nofile": "10:20", "rlimits/files": "5", "rlimits/.gitkeep": "" });
  const o = ok(r);
  assert.equal(o.rlimits, [["NOFILE", 10, 20]]);
  assert.is(r.warnings.length, 1);
  assert.match(r.warnings[0], `warning: ignoring ${dir}/rlimits/files: not a limit name`);
});

test("rlimits: an empty rlimits/ sets nothing", () => {
  const o = ok(read({ "rlimits/": "" }).r);
  assert.is(o.rlimits, undefined);
});

test("rlimits: SOFT above HARD and bad numbers are refused", () => {
  for (const bad of ["500:100", "unlimited:5", "-1", "abc", "", "1:2:3", "1:", ":1", "0x10", "1.5", "Unlimited", "99999999999999999999"]) {
    const { dir, r } = read({ "rlimits/nofile": bad });
    assert.match(problem(r), `${dir}/rlimits/nofile`, JSON.stringify(bad));
  }
  assert.match(problem(read({ "rlimits/nofile": "500:100" }).r), "soft limit 500 is above hard limit 100");
});

test("rlimits as a file instead of a directory is refused", () => {
  assert.match(problem(read({ rlimits: "nofile 10" }).r), /unable to read directory .*\/rlimits: Not a directory \(ENOTDIR\)/);
});

test("nice: -20..19, signs allowed; anything else refused", () => {
  for (const [text, want] of [
    ["5", 5],
    ["-20", -20],
    ["19", 19],
    ["+3", 3],
    ["0\n", 0],
  ] as const) {
    assert.is(ok(read({ nice: text }).r).nice, want, text);
  }
  for (const bad of ["20", "-21", "x", "", "5.5", "1e1", " 5", "--1"]) {
    assert.match(problem(read({ nice: bad }).r), "is not a nice value from -20 to 19", JSON.stringify(bad));
  }
});

test("umask: octal 0..0777; anything else refused", () => {
  for (const [text, want] of [
    ["027", 0o27],
    ["0027", 0o27],
    ["0", 0],
    ["777", 0o777],
    ["22\n", 0o22],
  ] as const) {
    assert.is(ok(read({ umask: text }).r).umask, want, text);
  }
  for (const bad of ["8", "0800", "1000", "", "u=rwx", "-1", "0o22"]) {
    assert.match(problem(read({ umask: bad }).r), "is not an octal umask", JSON.stringify(bad));
  }
});

test("env/: s6-envdir rules on top of the base env; an empty file unsets a global", () => {
  const o = ok(read({ "env/FOO": "bar\nsecond line", "env/GLOBAL": "", "env/PATH": "/opt/bin  ", "env/.hidden": "x" }).r);
  assert.equal(envOf(o.env), { PATH: "/opt/bin", HOME: "/", FOO: "bar" });
});

test("env/ overrides what user sets", () => {
  const o = ok(read({ user: "alice", "env/HOME": "/srv/alice", "env/LOGNAME": "" }).r);
  const env = envOf(o.env);
  assert.equal([env.USER, env.HOME, env.LOGNAME], ["alice", "/srv/alice", undefined]);
});

test("env as a file instead of a directory is refused", () => {
  assert.match(problem(read({ env: "FOO=1" }).r), /unable to read directory .*\/env: Not a directory \(ENOTDIR\)/);
});

test("all together; symlinked files and dirs (the live scan dir's mirror) are followed", () => {
  const src = tree({ user: "svc", "rlimits/nofile": "64:128", nice: "7", umask: "077", "env/A": "1" });
  const live = tree({});
  for (const name of ["user", "rlimits", "nice", "umask", "env"]) fs.symlinkSync(path.join(src, name), path.join(live, name));
  const o = ok(readServiceResources(live, BASE, host()));
  assert.equal(
    { uid: o.uid, gid: o.gid, groups: o.groups, rlimits: o.rlimits, nice: o.nice, umask: o.umask, A: envOf(o.env).A, USER: envOf(o.env).USER },
    { uid: 2000, gid: 2001, groups: [2001], rlimits: [["NOFILE", 64, 128]], nice: 7, umask: 0o77, A: "1", USER: "svc" },
  );
});

test("an unreadable service dir is refused (a user file might be there)", () => {
  const r = readServiceResources("/nonexistent/service/x", BASE, host());
  assert.match(problem(r), "unable to read directory /nonexistent/service/x: No such file or directory (ENOENT)");
});

test.after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

test.run();
