/**
 * What a collector remembers about a target between runs (sticky top-N
 * membership, what it last logged, where a data directory is): created on
 * first use, and gone with the target, so two exporters in one process
 * (tests) never share it.
 */
export function perTarget<T extends object, S>(create: (target: T) => S): (target: T) => S {
  const states = new WeakMap<T, S>();
  return (target) => {
    let state = states.get(target);
    if (state === undefined) {
      state = create(target);
      states.set(target, state);
    }
    return state;
  };
}

/**
 * For logging a situation once, when it starts: true when `situation`
 * differs from the one last noted for the target (and notes it).
 */
export function situationChanges<T extends object>(): (target: T, situation: string) => boolean {
  const last = perTarget<T, { situation: string | undefined }>(() => ({ situation: undefined }));
  return (target, situation) => {
    const noted = last(target);
    if (noted.situation === situation) return false;
    noted.situation = situation;
    return true;
  };
}
