/** The configuration after validation and secret resolution: what the running exporter reads. */
import type { ParsedConfig } from './schema.js';

type Parsed<K extends keyof ParsedConfig> = ParsedConfig[K];
type Item<T> = T extends readonly (infer I)[] ? I : never;

export type BackupSourceConfig = Item<Parsed<'backups'>>;
export type TlsEndpointConfig = Item<Parsed<'certificates'>['endpoints']>;
export type CertificateFilesConfig = Item<Parsed<'certificates'>['files']>;
export type DiskConfig = Item<Parsed<'disks'>>;

export type PostgresTargetConfig = Omit<Item<Parsed<'postgres'>>, 'dsn' | 'dsnEnv' | 'dsnFile'> & {
  /** Resolved connection string. Contains credentials: never log it. */
  dsn: string;
  /** The `backups[]` sources whose `target` is this one. */
  backups: BackupSourceConfig[];
};

export type RedisTargetConfig = Omit<Item<Parsed<'redis'>>, 'url' | 'urlEnv' | 'urlFile'> & {
  /** Resolved URL. May contain a password: never log it. */
  url: string;
};

export type ApiTokenConfig = Omit<Item<Parsed<'auth'>['tokens']>, 'tokenEnv' | 'tokenFile'> & { token: string };

export type Config = Omit<ParsedConfig, 'postgres' | 'redis' | 'auth' | 'state'> & {
  postgres: PostgresTargetConfig[];
  redis: RedisTargetConfig[];
  auth: { tokens: ApiTokenConfig[] };
  state: { dsn: string } | undefined;
};
