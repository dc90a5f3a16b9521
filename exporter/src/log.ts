/**
 * Structured logging: one JSON object per line, one line per event.
 *
 * Every line has `time`, `level` and `event` (a stable dotted name such as
 * `http.listening`), plus the event's own fields. Operators grep and alert on
 * `event`, so event names are part of the interface: keep them stable.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line it writes. */
  child(fields: LogFields): Logger;
  isEnabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where finished lines go (without the trailing newline). Defaults to stdout. */
  write?: (line: string) => void;
}

const severity: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** Errors do not serialise with JSON.stringify; keep what an operator needs. */
export function describeError(err: unknown): LogFields {
  if (err instanceof Error) {
    const out: LogFields = { message: err.message, name: err.name };
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') out.code = code;
    return out;
  }
  return { message: String(err) };
}

/** The message of an error, whatever was thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  return JSON.stringify(err) ?? 'undefined';
}

function normalise(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? describeError(value) : value;
  }
  return out;
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const threshold = severity[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));

  const emit = (level: LogLevel, event: string, fields?: LogFields): void => {
    if (severity[level] < threshold) return;
    const record = { time: new Date().toISOString(), level, event, ...bound, ...normalise(fields ?? {}) };
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      // A field that cannot be serialised (a cycle) must not lose the event itself.
      line = JSON.stringify({ time: record.time, level, event, note: 'fields not serialisable' });
    }
    write(line);
  };

  return {
    debug: (event, fields) => emit('debug', event, fields),
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
    isEnabled: (level) => severity[level] >= threshold,
  };
}

/** A logger that drops everything; for library callers that pass none. */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => undefined });
