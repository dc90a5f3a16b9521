/** What the app stores in Grafana (plugin settings): jsonData is readable by every user, the token is not. */
export interface AppSettings {
  /** Base URL of the exporter as Grafana's server reaches it, without a trailing slash: http://upkeep:9854. */
  exporterUrl?: string;
  /** Uid of the Prometheus data source that scrapes the exporter. */
  prometheusDatasourceUid?: string;
}

/** Keys of secureJsonData: written by the config page, never sent back to the browser. */
export interface AppSecureSettings {
  exporterToken?: string;
}
