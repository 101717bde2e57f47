// struct input_event as the kernel's evdev writes it on 64-bit Linux:
// struct timeval (2 × 8 bytes), u16 type, u16 code, s32 value = 24 bytes.
// The power button is EV_KEY / KEY_POWER with value 1 (press).

export const INPUT_EVENT_SIZE = 24;
export const EV_KEY = 1;
export const KEY_POWER = 116;

/** One decoded input event. */
export interface InputEvent {
  type: number;
  code: number;
  value: number;
}

/** Decodes every whole event in bytes (a partial tail is returned as rest). */
export function decodeInputEvents(bytes: Uint8Array): { events: InputEvent[]; rest: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const events: InputEvent[] = [];
  let at = 0;
  for (; at + INPUT_EVENT_SIZE <= bytes.byteLength; at += INPUT_EVENT_SIZE) {
    events.push({ type: view.getUint16(at + 16, true), code: view.getUint16(at + 18, true), value: view.getInt32(at + 20, true) });
  }
  return { events, rest: bytes.subarray(at) };
}

/** True for a press of the power key. */
export function isPowerPress(e: InputEvent): boolean {
  return e.type === EV_KEY && e.code === KEY_POWER && e.value === 1;
}

/** The bytes of one event, for tests and fake devices. */
export function encodeInputEvent(e: InputEvent): Uint8Array {
  const out = new Uint8Array(INPUT_EVENT_SIZE);
  const view = new DataView(out.buffer);
  view.setUint16(16, e.type, true);
  view.setUint16(18, e.code, true);
  view.setInt32(20, e.value, true);
  return out;
}
