// tsinit as a container's entrypoint (`tsinit -- CMD`), run for real: as PID 1
// of a pid + mount namespace and as a plain child of the test (subreaper
// mode). Each case runs in both modes. $D in the scripts is the temp root.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { eventually, BIN } from "../helpers/pid1";
import { sh } from "../helpers/booted";
import { exitWithin, MODES, rootOptions, startContainer, type ContainerOptions } from "../helpers/container";
import { removeTree, tempTree } from "../../lab/tree";

const test = suite("container");
const read = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "");

/** A service that says it is ready (fd 3) only after a while, and records its TERM. */
const SLOW_READY_SERVICE = {
  "service/db/notification-fd": "3\n",
  "service/db/run": sh(`trap 'echo stopped >> $D/db.log; exit 0' TERM
sleep 0.5
echo up >> $D/db.log
echo >&3
exec 3>&-
sleep 1000 &
wait`),
};

for (const mode of MODES) {
  test(`${mode}: CMD's exit code is tsinit's: 0, 3, and 128+n when killed by n`, async () => {
    const cases: Array<[string[], number]> = [
      [["true"], 0],
      [["sh", "-c", "exit 3"], 3],
      [["sh", "-c", "kill -KILL $$"], 137],
    ];
    for (const [cmd, want] of cases) {
      const c = startContainer(mode, {}, { cmd });
      try {
        assert.is(await exitWithin(c), want, `${cmd.join(" ")}: ${c.output()}`);
      } finally {
        await c.end();
      }
    }
  });

  test(`${mode}: TERM to tsinit reaches CMD, whose exit code is tsinit's`, async () => {
    const d = startContainer(
      mode,
      { "cmd.sh": sh(`trap 'echo got TERM > $D/trap; exit 5' TERM\necho ready > $D/ready\nsleep 1000 &\nwait`) },
      { cmd: ["sh", "-c", 'exec "$D/cmd.sh"'] },
    );
    try {
      await eventually(() => existsSync(`${d.root}/ready`), 15_000, "CMD ready");
      process.kill(d.pid(), "SIGTERM");
      assert.is(await exitWithin(d), 5, d.output());
      assert.is(read(`${d.root}/trap`), "got TERM\n");
    } finally {
      await d.end();
    }
  });

  test(`${mode}: --signal-group reaches CMD's child too`, async () => {
    const c = startContainer(
      mode,
      {
        "child.sh": sh(`trap 'echo child got TERM > $D/child; exit 0' TERM\necho $$ > $D/child-ready\nsleep 1000 &\nwait`),
        "cmd.sh": sh(`trap 'echo cmd got TERM > $D/cmd; wait; exit 7' TERM\n"$D/child.sh" &\nwait`),
      },
      { extra: ["--signal-group"], cmd: ["sh", "-c", 'exec "$D/cmd.sh"'] },
    );
    try {
      await eventually(() => existsSync(`${c.root}/child-ready`), 15_000, "CMD's child ready");
      process.kill(c.pid(), "SIGTERM");
      assert.is(await exitWithin(c), 7, c.output());
      assert.is(read(`${c.root}/cmd`), "cmd got TERM\n");
      assert.is(read(`${c.root}/child`), "child got TERM\n");
    } finally {
      await c.end();
    }
  });

  test(`${mode}: without --signal-group only CMD gets the signal`, async () => {
    const c = startContainer(
      mode,
      {
        "child.sh": sh(`trap 'echo child got TERM > $D/child; exit 0' TERM\necho $$ > $D/child-ready\nsleep 1000 &\nwait`),
        "cmd.sh": sh(`trap 'if [ -e $D/child ]; then echo child had it; else echo cmd only; fi > $D/cmd; exit 7' TERM\n"$D/child.sh" &\nwait`),
      },
      { cmd: ["sh", "-c", 'exec "$D/cmd.sh"'] },
    );
    try {
      await eventually(() => existsSync(`${c.root}/child-ready`), 15_000, "CMD's child ready");
      process.kill(c.pid(), "SIGTERM");
      assert.is(await exitWithin(c), 7, c.output());
      assert.is(read(`${c.root}/cmd`), "cmd only\n");
      // Left behind by CMD, the child is terminated by tsinit's end (its trap runs then).
      assert.is(read(`${c.root}/child`), "child got TERM\n", "leftovers get TERM before tsinit exits");
    } finally {
      await c.end();
    }
  });

  test(`${mode}: an orphan CMD leaves is re-parented to tsinit and reaped`, async () => {
    const c = startContainer(
      mode,
      {
        "cmd.sh": sh(`( sh -c 'echo $$ > $D/g; sleep 0.5; cut -d" " -f4 /proc/$$/stat > $D/ppid; exec sleep 0.5' & )
while [ ! -s $D/ppid ]; do sleep 0.05; done
g=$(cat $D/g)
i=0
while [ -e /proc/$g ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done
if [ -e /proc/$g ]; then echo "still there: $(cut -d' ' -f3 /proc/$g/stat)" > $D/verdict; else echo gone > $D/verdict; fi`),
      },
      { cmd: ["sh", "-c", 'exec "$D/cmd.sh"'] },
    );
    try {
      assert.is(await exitWithin(c, 30_000), 0, c.output());
      assert.is(read(`${c.root}/verdict`), "gone\n", "the orphan was reaped, not left a zombie");
      const ppid = Number(read(`${c.root}/ppid`));
      assert.is(ppid, mode === "pid1" ? 1 : c.pid(), "the orphan's parent is tsinit");
    } finally {
      await c.end();
    }
  });

  test(`${mode}: a service is ready before CMD starts and stopped before tsinit exits`, async () => {
    const c = startContainer(mode, { ...SLOW_READY_SERVICE }, { cmd: ["sh", "-c", 'cat "$D/db.log" > "$D/seen"; exit 4'] });
    try {
      assert.is(await exitWithin(c), 4, c.output());
      assert.is(read(`${c.root}/seen`), "up\n", "CMD saw the service up and ready");
      assert.is(read(`${c.root}/db.log`), "up\nstopped\n", "the service's TERM trap ran before tsinit exited");
    } finally {
      await c.end();
    }
  });

  test(`${mode}: dependencies: CMD after both; at the end the dependent stops first`, async () => {
    const svc = (name: string, stopDelay: string) =>
      sh(`trap 'sleep ${stopDelay}; echo stopped ${name} >> $D/order; exit 0' TERM
echo up ${name} >> $D/order
echo >&3
exec 3>&-
sleep 1000 &
wait`);
    // Ready only once "up" is written (notification-fd), so the order in the file is the order of readiness.
    const c = startContainer(
      mode,
      {
        "service/db/notification-fd": "3\n",
        "service/web/notification-fd": "3\n",
        "service/db/run": svc("db", "0"),
        "service/web/run": svc("web", "0.3"),
        "service/web/dependencies": "db\n",
      },
      { cmd: ["sh", "-c", 'cat "$D/order" > "$D/seen"'] },
    );
    try {
      assert.is(await exitWithin(c), 0, c.output());
      assert.is(read(`${c.root}/seen`), "up db\nup web\n", "CMD started after both");
      assert.is(read(`${c.root}/order`), "up db\nup web\nstopped web\nstopped db\n", "web (slow to stop) before db");
    } finally {
      await c.end();
    }
  });

  test(`${mode}: --wait bounds the wait for a service that never gets ready`, async () => {
    const c = startContainer(
      mode,
      {
        "service/never/notification-fd": "3\n",
        "service/never/run": sh("exec sleep 1000"),
      },
      { extra: ["--wait", "300"], cmd: ["true"] },
    );
    try {
      assert.is(await exitWithin(c), 0, c.output());
      assert.match(c.output(), /warning: not ready after 300 ms: never: starting true anyway/);
    } finally {
      await c.end();
    }
  });

  test(`${mode}: CMD not found → 127, not executable → 126, services stopped`, async () => {
    const cases: Array<[(root: string) => string, number, RegExp]> = [
      [() => "no-such-command-here", 127, /ENOENT/],
      [(root) => `${root}/notexec`, 126, /EACCES/],
    ];
    for (const [name, want, why] of cases) {
      const c = startContainer(mode, { ...SLOW_READY_SERVICE, notexec: "echo hi\n" }, { cmd: (root) => [name(root)] });
      try {
        assert.is(await exitWithin(c), want, c.output());
        assert.match(c.output(), `tsinit: unable to exec ${name(c.root)}: `);
        assert.match(c.output(), why);
        assert.is(read(`${c.root}/db.log`), "up\nstopped\n");
      } finally {
        await c.end();
      }
    }
  });
}

const noCommand: Array<[string, "pid1" | "subreaper", ContainerOptions]> = [
  ["pid1: no CMD in a marked container", "pid1", { cmd: null, env: { container: "test" } }],
  ["subreaper: `--` with no CMD", "subreaper", { cmd: [] }],
];
for (const [name, mode, opts] of noCommand) {
  test(`${name}: TERM stops the services and exits 0`, async () => {
    const c = startContainer(mode, { ...SLOW_READY_SERVICE }, opts);
    try {
      await eventually(() => read(`${c.root}/db.log`) === "up\n", 15_000, "service up");
      process.kill(c.pid(), "SIGTERM");
      assert.is(await exitWithin(c), 0, c.output());
      assert.is(read(`${c.root}/db.log`), "up\nstopped\n");
    } finally {
      await c.end();
    }
  });
}

test("subreaper: an unwritable run dir: one warning, CMD runs alone", async () => {
  const c = startContainer("subreaper", { ...SLOW_READY_SERVICE }, { extra: ["--rundir", "/dev/null/run"], cmd: ["sh", "-c", "exit 6"] });
  try {
    assert.is(await exitWithin(c), 6, c.output());
    assert.match(c.output(), /^tsinit: warning: unable to use \/dev\/null\/run: .*: services and tasks not started/m);
    assert.is(c.output().trim().split("\n").length, 1, c.output());
    assert.is(read(`${c.root}/db.log`), "", "no service ran");
  } finally {
    await c.end();
  }
});

test("not PID 1 and no `--`: still the usage error", () => {
  const r = spawnSync(BIN, ["init"], { encoding: "utf8" });
  assert.is(r.status, 100);
  assert.match(r.stderr, /must run as process 1/);
});

test("with a terminal, CMD is in the foreground process group", () => {
  const root = tempTree({});
  try {
    // script(1) gives the command a pty as its controlling terminal and stdin.
    const inner = `${BIN} ${rootOptions(root).join(" ")} -- sh -c 'ps -o stat= -p $$ > ${root}/stat'`;
    const r = spawnSync("script", ["-qec", inner, "/dev/null"], { encoding: "utf8", timeout: 30_000 });
    assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(read(`${root}/stat`), /\+/, "ps shows + (foreground process group)");
  } finally {
    removeTree(root);
  }
});

test("with a terminal and `stty tostop`, tsinit's own lines still reach it after CMD took the foreground", () => {
  const root = tempTree({});
  try {
    const inner = `stty tostop; ${BIN} ${rootOptions(root).join(" ")} --verbose -- sh -c 'sleep 0.3; exit 4'`;
    const r = spawnSync("script", ["-qec", inner, "/dev/null"], { encoding: "utf8", timeout: 30_000 });
    assert.is(r.status, 4, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /tsinit: info: started sh as \d+/);
    assert.match(r.stdout, /tsinit: shutdown: exiting/);
  } finally {
    removeTree(root);
  }
});

test.run();
