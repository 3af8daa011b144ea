import type { Clock } from './clock.js';

export type TestClock = Clock & {
  advanceBy(duration: {
    days?: number;
    hours?: number;
    minutes?: number;
    seconds?: number;
    ms?: number;
  }): void;
  set(now: Date): void;
};

export function createTestClock({
  now = new Date('2026-01-15T09:00:00.000Z'),
}: { now?: Date } = {}): TestClock {
  let current = now.getTime();
  return {
    now: () => new Date(current),
    set: (date) => {
      current = date.getTime();
    },
    advanceBy: ({ days = 0, hours = 0, minutes = 0, seconds = 0, ms = 0 }) => {
      current += (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000 + ms;
    },
  };
}
