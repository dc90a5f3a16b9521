/** The `databases: {include, exclude}` setting of a postgres target as a predicate on datname. */

export interface DatabaseFilterConfig {
  include: readonly string[];
  exclude: readonly string[];
}

const cache = new WeakMap<DatabaseFilterConfig, (datname: string) => boolean>();

/** Compiled once per configuration object, then reused on every scrape. */
export function databaseFilter(config: DatabaseFilterConfig): (datname: string) => boolean {
  let predicate = cache.get(config);
  if (!predicate) {
    const include = config.include.map((p) => new RegExp(p));
    const exclude = config.exclude.map((p) => new RegExp(p));
    predicate = (datname) => include.some((r) => r.test(datname)) && !exclude.some((r) => r.test(datname));
    cache.set(config, predicate);
  }
  return predicate;
}
