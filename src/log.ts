// Logging: pino, JSON to stdout by default and human-readable in a terminal (or with pretty: true).
// One logger per node, with the node's short id bound, so several nodes in one process stay readable.
import { type Logger as PinoLogger, pino } from 'pino';

export type Logger = PinoLogger;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level: LogLevel;
  /** Pretty-print (default: when stdout is a terminal). */
  pretty?: boolean;
  /** Write to this file descriptor instead of stdout (2 for stderr). */
  fd?: number;
}

export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    return pino({
      level: options.level,
      transport: {
        target: 'pino-pretty',
        options: { destination: options.fd ?? 1, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level: options.level }, pino.destination({ fd: options.fd ?? 1, sync: true }));
}

/** A logger that drops everything, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
