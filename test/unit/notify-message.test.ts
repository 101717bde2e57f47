// sd_notify's message format (notify-message.ts): what tsinit acts on, and
// what it accepts and ignores.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseNotify, STATUS_MAX } from "../../src/supervise/notify-message";

const t = suite("notify message");
const p = (s: string) => parseNotify(Buffer.from(s));

t("READY=1, STATUS=, STOPPING=1, WATCHDOG=1; others accepted and ignored", () => {
  assert.equal(p("READY=1\nSTATUS=serving\n"), { ready: true, stopping: false, watchdog: false, status: "serving" });
  assert.equal(p("WATCHDOG=1"), { ready: false, stopping: false, watchdog: true, status: null });
  assert.equal(p("STOPPING=1\nMAINPID=42\nRELOADING=1\nX_CUSTOM=y"), { ready: false, stopping: true, watchdog: false, status: null });
});

t("READY=0, a bare word, an empty key: nothing", () => {
  assert.equal(p("READY=0\nREADY\n=1\n"), { ready: false, stopping: false, watchdog: false, status: null });
});

t("STATUS= is cut and loses its control characters (it is printed on a terminal)", () => {
  assert.is(p("STATUS=a\tb\x1b[31mred").status, "a b [31mred");
  assert.is(p(`STATUS=${"x".repeat(5000)}`).status!.length, STATUS_MAX);
  assert.is(p("STATUS=").status, "");
});

t.run();
