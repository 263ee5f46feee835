// One fixture per test suite: started in before(), stopped in after(), used
// in the tests through the returned object, which forwards to the started
// instance (and says so clearly if a test runs before it exists).
import { after, before } from 'node:test';

export function suiteFixture<T extends object>(
  start: () => Promise<T>,
  stop: (fixture: T) => Promise<void>,
): T {
  let current: T | undefined;
  before(async () => {
    current = await start();
  });
  after(async () => {
    if (current) await stop(current);
  });
  return new Proxy({} as T, {
    get(_target, prop) {
      if (!current)
        throw new Error(`suite fixture used before before() started it (.${String(prop)})`);
      const value: unknown = Reflect.get(current, prop);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(current)
        : value;
    },
    set(_target, prop, value) {
      if (!current) throw new Error('suite fixture used before before() started it');
      return Reflect.set(current, prop, value);
    },
  });
}
