// Property tests of the pure parsers PID 1 and the client commands feed with
// outside bytes: the two control-fifo parsers, the status and death_tally
// codecs, and s6-svc's argument parser. Nothing may throw; what comes out
// obeys the format.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { SUPERVISE_LETTERS, SVSCAN_LETTERS, describeByte, parseSuperviseControl, parseSvscanControl } from "../../src/s6/letters";
import { DEATH_RECORD_SIZE, STATUS_SIZE, decodeDeathTally, decodeStatus, encodeDeathTally, encodeStatus, type SuperviseStatus } from "../../src/s6/status-file";
import { SVC_MAX_LETTERS, parseSvcArgs } from "../../src/control/svc-args";
import { bytes, check } from "./fuzz";

const test = suite("fuzz: parsers");

test("control fifo parsers: any bytes, only known letters out, the rest counted as unknown", () => {
  for (const [name, parse, known] of [
    ["supervise/control", parseSuperviseControl, SUPERVISE_LETTERS],
    [".s6-svscan/control", parseSvscanControl, SVSCAN_LETTERS],
  ] as const) {
    check(
      name,
      fc.property(bytes(256), (b) => {
        const r = parse(b);
        const isKnown = (x: number) => x < 0x80 && known.includes(String.fromCharCode(x));
        assert.equal(
          r.letters,
          [...b].filter(isKnown).map((x) => String.fromCharCode(x)),
          "letters, in order",
        );
        assert.equal(
          r.unknown,
          [...b].filter((x) => !isKnown(x)),
          "unknown = bytes that are not letters",
        );
        for (const u of r.unknown) assert.match(describeByte(u), /^(?:[\x21-\x7e]|\\x[0-9a-f]{2})$/);
      }),
    );
  }
});

// Plain objects, so that uvu's deep equality compares them with what the decoders build.
const PLAIN = { noNullPrototype: true };
const stamp = fc.record({ unixSec: fc.integer({ min: -(2 ** 40), max: 2 ** 45 }), nsec: fc.integer({ min: 0, max: 999_999_999 }) }, PLAIN);
const record: fc.Arbitrary<SuperviseStatus> = fc.record(
  {
    stamp,
    readyStamp: stamp,
    pid: fc.oneof(fc.integer({ min: 0, max: 2 ** 22 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    waitStatus: fc.integer({ min: 0, max: 0xffff }),
    paused: fc.boolean(),
    finishing: fc.boolean(),
    wantUp: fc.boolean(),
    ready: fc.boolean(),
  },
  PLAIN,
);

test("status: round trip of any valid record; any 35 bytes decode; other lengths are null", () => {
  check(
    "status round trip",
    fc.property(record, (s) => {
      const b = encodeStatus(s);
      assert.is(b.length, STATUS_SIZE);
      assert.equal(decodeStatus(b), s);
    }),
  );
  check(
    "status decode (35 bytes, at any offset)",
    fc.property(fc.uint8Array({ minLength: 35, maxLength: 35 }), fc.nat(16), (b, off) => {
      const shifted = new Uint8Array(off + STATUS_SIZE);
      shifted.set(b, off);
      const s = decodeStatus(b)!;
      assert.ok(s, "decoded");
      assert.equal(decodeStatus(shifted.subarray(off)), s, "a view at an offset reads the same");
      for (const v of [s.stamp.unixSec, s.stamp.nsec, s.readyStamp.unixSec, s.readyStamp.nsec, s.pid, s.waitStatus]) assert.ok(Number.isFinite(v));
      assert.ok(s.waitStatus >= 0 && s.waitStatus <= 0xffff);
      // Known flag bits survive a re-encode (the unknown ones are s6's to ignore).
      assert.is(encodeStatus(s)[34], b[34]! & 0x0f);
    }),
  );
  check(
    "status decode (other lengths)",
    fc.property(
      fc.uint8Array({ maxLength: 80 }).filter((b) => b.length !== STATUS_SIZE),
      (b) => {
        assert.is(decodeStatus(b), null);
      },
    ),
  );
});

test("death_tally: round trip; any bytes give floor(n/14) records", () => {
  const death = fc.record({ stamp, exitCode: fc.integer({ min: 0, max: 255 }), signal: fc.integer({ min: 0, max: 255 }) }, PLAIN);
  check(
    "death_tally round trip",
    fc.property(fc.array(death, { maxLength: 40 }), (rs) => {
      assert.equal(decodeDeathTally(encodeDeathTally(rs)), rs);
    }),
  );
  check(
    "death_tally decode",
    fc.property(fc.uint8Array({ maxLength: 14 * 12 + 13 }), (b) => {
      const rs = decodeDeathTally(b);
      assert.is(rs.length, Math.floor(b.length / DEATH_RECORD_SIZE));
      for (const r of rs) assert.ok(r.exitCode <= 255 && r.signal <= 255 && Number.isFinite(r.stamp.unixSec));
    }),
  );
});

test("s6-svc arguments: any argv is a request or a problem string, never a throw", () => {
  const word = fc.oneof(
    fc.constantFrom("-u", "-d", "-wu", "-wU", "-w", "-T", "-T5000", "-T", "--", "-", "-x", "-abq", "-du", "-wz", "--help", "dir", "", "5000", "-T-1"),
    fc.string({ maxLength: 8 }),
    fc.stringMatching(/^-[a-zA-Z0-9]{0,70}$/),
    fc.stringMatching(/^[0-9]{1,25}$/),
  );
  check(
    "svc argv",
    fc.property(fc.array(word, { maxLength: 8 }), (argv) => {
      const r = parseSvcArgs(argv);
      if (!r.ok) {
        assert.type(r.problem, "string");
        assert.ok(r.problem.length > 0);
        return;
      }
      const q = r.request;
      assert.ok(
        [...q.letters].every((c) => SUPERVISE_LETTERS.includes(c)),
        `letters ${q.letters}`,
      );
      assert.ok(q.letters.length <= SVC_MAX_LETTERS);
      assert.ok(q.wait === null || "dDuUrR".includes(q.wait));
      assert.ok(Number.isInteger(q.timeoutMs) && q.timeoutMs >= 0, `timeout ${q.timeoutMs}`);
      assert.ok(q.servicedir.length > 0 && argv.includes(q.servicedir));
    }),
  );
});

test.run();
