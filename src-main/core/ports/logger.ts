/** Structured logging port. Messages and fields must already be free of secrets. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** Logger writing logv2-like JSON lines to a stream (stderr by default). */
export function jsonLineLogger(write: (line: string) => void, component = 'baleen', minLevel: 'debug' | 'info' = 'info'): Logger {
  const emit = (s: string, msg: string, fields?: Record<string, unknown>) =>
    write(`${JSON.stringify({ t: new Date().toISOString(), s, c: component, msg, ...(fields ? { attr: fields } : {}) })}\n`);
  return {
    debug: (m, f) => {
      if (minLevel === 'debug') emit('D', m, f);
    },
    info: (m, f) => emit('I', m, f),
    warn: (m, f) => emit('W', m, f),
    error: (m, f) => emit('E', m, f),
    child: (c) => jsonLineLogger(write, `${component}.${c}`, minLevel),
  };
}
