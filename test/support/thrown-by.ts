type ErrorClass<E> = abstract new (...args: never[]) => E;

/** The error `run` throws, checked to be a `type`: anything else, or nothing thrown, fails the test. */
export function thrownBy<E>(type: ErrorClass<E>, run: () => unknown): E {
  try {
    run();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name}, nothing was thrown`);
}
