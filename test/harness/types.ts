/** What the global setup hands to every test file. */
export interface HarnessInfo {
  /** Temporary directory of this run; scratch servers made by tests go below it. */
  runDir: string;
  postgresBinDir: string;
  promtool: string;
  postgresVersion: string;
  primary: { port: number; dsn: string; dataDir: string };
  standby: { port: number; dsn: string; dataDir: string; applicationName: string };
  redis: { port: number; url: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    harness: HarnessInfo;
  }
}
