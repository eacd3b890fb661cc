import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'legajo' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // API keys and cookies must never reach a log line.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redactado]' },
    },
    destination,
  );
}
