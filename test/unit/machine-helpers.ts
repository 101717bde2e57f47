// Shared drivers for the supervision machine tests: a config with overrides
// and a way to feed a list of events and keep the last step.
import {
  DEFAULT_CONFIG,
  initialState,
  step,
  type Effect,
  type Step,
  type SuperviseConfig,
  type SuperviseEvent,
  type SuperviseState,
} from "../../src/supervise/machine";
import type { SuperviseLetter } from "../../src/s6/letters";

/** A config for service "svc" with the s6 defaults. */
export function cfg(over: Partial<SuperviseConfig> = {}): SuperviseConfig {
  return { ...DEFAULT_CONFIG, name: "svc", ...over };
}

/** Feeds EVENTS from STATE; returns the last step (state + its effects). */
export function drive(state: SuperviseState, events: SuperviseEvent[], config = cfg()): Step {
  let last: Step = { state, effects: [] };
  for (const ev of events) last = step(last.state, ev, config);
  return last;
}

/** A control event. */
export const letter = (l: SuperviseLetter): SuperviseEvent => ({ type: "control", letter: l });

/** A service spawned at t=1000 with pid 100, up and wanted up. */
export function upState(config = cfg(), spawnAt = 1000): SuperviseState {
  return drive(
    initialState(),
    [
      { type: "start", now: spawnAt },
      { type: "spawned", pid: 100, now: spawnAt },
    ],
    config,
  ).state;
}

/** The effects of a given type. */
export function ofType<T extends Effect["type"]>(effects: Effect[], type: T): Extract<Effect, { type: T }>[] {
  return effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
}

/** The event letters emitted, concatenated. */
export function events(effects: Effect[]): string {
  return ofType(effects, "event")
    .map((e) => e.letters)
    .join("");
}

/** The raw wait status of exit(code) and of death by signal. */
export const exited = (code: number) => (code & 0xff) << 8;
export const killedBy = (sig: number) => sig & 0x7f;
