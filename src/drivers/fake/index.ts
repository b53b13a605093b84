export { createFakeDriver } from './fake-driver.js';
export type { FakeBehaviour, FakeCrash, FakeDriver, FakeDriverOptions, FakeStop } from './fake-driver.js';
