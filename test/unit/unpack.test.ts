// sys/unpack.ts without the packed binary: which directories may hold root's
// copy of the addon, and that nothing of the copy is left once used. Run as
// root (the tests are), with dirs owned by nobody standing in for another user.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { withPrivateCopy } from "../../src/sys/unpack";
import { removeTree, tempTree } from "../../lab/tree";

const test = suite("addon unpack: where the copy may go");
const BYTES = Buffer.from("not really an addon\n");

/** A 0755 temp root with dirs of each kind. */
function dirs(): string {
  const root = tempTree({ "sticky/": null, "open/": null, "theirs/": null, "group/": null, "ours/": null });
  chmodSync(root, 0o755);
  chmodSync(`${root}/sticky`, 0o1777);
  chmodSync(`${root}/open`, 0o777);
  chmodSync(`${root}/group`, 0o775);
  chownSync(`${root}/theirs`, 65534, 65534);
  mkdirSync(`${root}/theirs/inner`);
  symlinkSync(`${root}/open`, `${root}/link-to-open`);
  symlinkSync(`${root}/sticky`, `${root}/link-to-sticky`);
  return root;
}

const refusal = (dir: string): string => {
  try {
    withPrivateCopy(dir, BYTES, () => undefined);
    return "";
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
};

test("refused: another user's dir or one below it, writable by others or the group without the sticky bit, through a link", () => {
  const root = dirs();
  try {
    assert.match(refusal(`${root}/theirs`), /^EUNSAFE: unsafe: \S+\/theirs belongs to uid 65534$/);
    assert.match(refusal(`${root}/theirs/inner`), /belongs to uid 65534/);
    assert.match(refusal(`${root}/open`), /open is writable by others and not sticky$/);
    assert.match(refusal(`${root}/group`), /group is writable by others and not sticky$/);
    assert.match(refusal(`${root}/link-to-open`), /open is writable by others and not sticky$/);
    for (const d of ["theirs", "theirs/inner", "open", "group"])
      assert.equal(
        readdirSync(`${root}/${d}`).filter((n) => n.startsWith(".tsinit")),
        [],
        `nothing made in ${d}`,
      );
  } finally {
    removeTree(root);
  }
});

test("taken: a sticky world-writable dir (through a link too) and our own; the copy is private, then gone", () => {
  const root = dirs();
  try {
    for (const d of ["sticky", "link-to-sticky", "ours"]) {
      const got = withPrivateCopy(`${root}/${d}`, BYTES, (path) => {
        const made = readdirSync(`${root}/${d}`);
        assert.is(made.length, 1, `${d}: one private dir`);
        assert.match(made[0]!, /^\.tsinit-[A-Za-z0-9]{6}$/);
        const priv = `${root}/${d}/${made[0]}`;
        assert.is(statSync(priv).mode & 0o777, 0o700, `${d}: private dir mode`);
        assert.is(statSync(priv).uid, process.geteuid!());
        assert.equal(readdirSync(priv), ["tsinit.node"]);
        assert.is(statSync(`${priv}/tsinit.node`).mode & 0o077, 0, `${d}: file mode`);
        assert.equal(readFileSync(path), BYTES, `${d}: the bytes as written, through ${path}`);
        return 42;
      });
      assert.is(got, 42);
      assert.equal(readdirSync(`${root}/${d}`), [], `${d}: nothing left`);
    }
  } finally {
    removeTree(root);
  }
});

test("cleaned up when the use throws", () => {
  const root = dirs();
  try {
    assert.throws(
      () =>
        withPrivateCopy(`${root}/ours`, BYTES, () => {
          throw new Error("dlopen failed");
        }),
      /dlopen failed/,
    );
    assert.equal(readdirSync(`${root}/ours`), []);
  } finally {
    removeTree(root);
  }
});

test.run();
