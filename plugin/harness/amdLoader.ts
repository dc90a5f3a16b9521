/**
 * Loads a built plugin module (webpack's AMD output) the way Grafana does:
 * `define([...deps], factory)` with the dependencies mapped to the host's
 * own copies of React, @grafana/* and friends, and `module.uri` set so the
 * plugin's lazy chunks load from beside it.
 */
type Factory = (...deps: unknown[]) => unknown;
type Define = ((deps: string[], factory: Factory) => void) & { amd?: boolean };

declare global {
  interface Window {
    define?: Define;
  }
}

let queue: Promise<unknown> = Promise.resolve();

export function loadPluginModule<T>(url: string, shared: Record<string, unknown>): Promise<T> {
  // One module at a time: `define` is global.
  const load = queue.then(
    () =>
      new Promise<T>((resolve, reject) => {
        const define: Define = (deps, factory) => {
          const missing = deps.filter((d) => d !== 'module' && !(d in shared));
          if (missing.length > 0) {
            reject(new Error(`${url} needs modules the host does not provide: ${missing.join(', ')}`));
            return;
          }
          resolve(factory(...deps.map((d) => (d === 'module' ? { uri: url } : shared[d]))) as T);
        };
        define.amd = true;
        window.define = define;
        const script = document.createElement('script');
        script.src = url;
        script.onerror = () => reject(new Error(`could not load ${url}`));
        document.head.appendChild(script);
      }),
  );
  queue = load.catch(() => undefined);
  return load;
}
