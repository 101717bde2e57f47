// The built-in logger against a service user who owns its log dir (log/dir):
// PID 1 writes there as root, so a symlink or a hard link planted as
// `current`, at start, while it rotates or across a re-exec, must never make
// root append to a file of the user's choosing; a dir owned by a third user
// is refused; a planted link removed, logging resumes. The attacker is user
// nobody, the service's own user, as in issue 21's finding 1.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { eventually, sleep } from "../helpers/pid1";
import { asNobody, boot, end, makeRoot, sh } from "./booted";

const test = suite("faults: log dir owner");
const NOBODY = 65534;
const SECRET = "root only\n";
// About 5000 lines a second: max-size 4096 rotates several times a second.
const CHATTY = sh('i=0; while :; do echo "line $i of a chatty service"; i=$((i+1)); [ $((i % 50)) = 0 ] && sleep 0.01; done');

/** A root-only file the attacker wants root to append to. */
function victim(root: string, name: string): string {
  const path = `${root}/${name}`;
  writeFileSync(path, SECRET, { mode: 0o600 });
  return path;
}

/** Fails naming how much root appended (the text itself would flood the report). */
function untouched(path: string, what: string): void {
  const text = readFileSync(path, "utf8");
  assert.ok(text === SECRET, `${what}: ${text.length - SECRET.length} bytes appended to ${path}`);
}

/** ROOT/logs/NAME owned by uid (the whole way readable, as a log dir under /var/log). */
function logDir(root: string, name: string, uid: number): string {
  mkdirSync(`${root}/logs/${name}`, { recursive: true, mode: 0o755 });
  chownSync(`${root}/logs/${name}`, uid, uid);
  return `${root}/logs/${name}`;
}

const service = (name: string, extra: Record<string, string> = {}) => ({
  [`service/${name}/run`]: CHATTY,
  [`service/${name}/log/dir`]: `ROOT/logs/${name}\n`,
  [`service/${name}/log/max-size`]: "4096\n",
  ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`service/${name}/${k}`, v])),
});

const regular = (path: string) => {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
};

test("a symlink, a hard link or a foreign owner planted before boot: refused, then logging resumes", async () => {
  const root = makeRoot({ ...service("web", { user: `${NOBODY}:${NOBODY}\n` }), ...service("hard"), ...service("foreign") });
  chmodSync(root, 0o755);
  const target = victim(root, "victim");
  const target2 = victim(root, "victim2");
  const web = logDir(root, "web", NOBODY);
  logDir(root, "hard", 0);
  logDir(root, "foreign", 1234);
  assert.is(asNobody(["ln", "-s", target, `${web}/current`]).status, 0, "nobody plants current -> victim");
  // As if fs.protected_hardlinks were 0: the link a user could then make.
  linkSync(target2, `${root}/logs/hard/current`);
  const m = await boot({}, { root });
  try {
    await m.init.waitFor(/unable to open \S*logs\/web\/current: .*\(ELOOP\)/, 10_000);
    await m.init.waitFor(/unable to open \S*logs\/hard\/current: unsafe: \S+ has 2 links/, 10_000);
    await m.init.waitFor(/unable to open \S*logs\/foreign\/current: unsafe: \S*logs\/foreign belongs to uid 1234/, 10_000);
    await sleep(500);
    untouched(target, "root appended nothing to the symlink's target");
    untouched(target2, "nor to the hard link's");
    assert.equal(readdirSync(`${root}/logs/foreign`), [], "nothing made in a third user's dir");
    // The link gone, the next lines open a fresh current: the logger kept trying.
    unlinkSync(`${web}/current`);
    await eventually(() => regular(`${web}/current`) && /line \d+ of a chatty/.test(readFileSync(`${web}/current`, "utf8")), 10_000, "web logs again");
    assert.is(lstatSync(`${web}/current`).uid, 0, "current made by root in the user's dir");
  } finally {
    await end(m);
  }
});

test("a symlink swapped in while it rotates, and across a re-exec: never followed", async () => {
  const root = makeRoot(service("web", { user: `${NOBODY}:${NOBODY}\n` }));
  chmodSync(root, 0o755);
  const target = victim(root, "victim");
  const web = logDir(root, "web", NOBODY);
  const m = await boot({}, { root });
  try {
    await eventually(() => regular(`${web}/current`), 10_000, "web logging");
    // For 3 s nobody keeps replacing current with a symlink to the victim,
    // while rotations (several a second) rename current and open it anew.
    const archived = new Set(readdirSync(web).filter((n) => n.startsWith("@")));
    const race = asNobody(["timeout", "3", "sh", "-c", `cd ${web} && while :; do ln -sfn ${target} .c && mv -fT .c current; done`], 10_000);
    assert.is(race.status, 124, `the swap loop ran its 3 s: ${race.out}`);
    // How often it rotates is the race's outcome (a rotation that meets the
    // link waits for the next line to try again): at least once during it,
    // so current was opened anew while the link kept coming back.
    const rotated = readdirSync(web).filter((n) => n.startsWith("@") && !archived.has(n));
    assert.ok(rotated.length >= 1, `it rotated meanwhile (${rotated.length} new archives)`);
    untouched(target, "root appended nothing through the swapped link");

    // Across a re-exec: the new image opens current again, and finds the link.
    assert.is(asNobody(["sh", "-c", `cd ${web} && ln -sfn ${target} .c && mv -fT .c current`]).status, 0);
    const before = m.init.output().length;
    m.init.exec(["kill", "-SEGV", "1"]);
    await m.init.waitFor(/fatal signal 11: re-executing/, 10_000);
    await eventually(() => /logs\/web\/current: .*\(ELOOP\)/.test(m.init.output().slice(before)), 10_000, "the re-executed logger refuses the link");
    await sleep(500);
    untouched(target, "nor after the re-exec");
  } finally {
    await end(m);
  }
});

test.run();
