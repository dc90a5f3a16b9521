/**
 * The error a promise rejects with, checked to be of the expected class, so
 * a test can assert on its fields (`reason`, `stage`, …) and not only on its
 * message.
 */
export async function rejectionOf<E extends Error>(work: Promise<unknown>, kind: new (...args: never[]) => E): Promise<E> {
  const error = await work.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof kind)) {
    const got = error === undefined ? 'success' : error instanceof Error ? `${error.name}: ${error.message}` : JSON.stringify(error);
    throw new Error(`expected a ${kind.name}, got ${got}`);
  }
  return error;
}
