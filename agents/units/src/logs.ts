/**
 * JSON-lines logs in the shape the Python services write (chassis/logs.py):
 * ts, level, service, logger, msg, and trace_id/span_id of the active span.
 * Tokens never reach a line: request headers are not logged, and the
 * app's tokens are censored wherever they appear.
 */
import { pino, type Logger } from 'pino';

import { traceIds } from './telemetry.ts';

/** The agent's root logger; `secrets` (the app's tokens) are replaced in every line. */
export function createLogger(opts: {
  service: string;
  level: string;
  secrets?: readonly string[];
  destination?: pino.DestinationStream;
}): Logger {
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 8);
  // The Python services' level names (HUBSPOKE_LOG_LEVEL), in pino's words.
  const level = ({ warning: 'warn', critical: 'fatal' } as Record<string, string>)[opts.level] ?? opts.level;
  return pino(
    {
      level,
      base: { service: opts.service },
      messageKey: 'msg',
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
      mixin: () => traceIds() ?? {},
      redact: { paths: ['headers', 'req.headers', '*.headers'], censor: '[redacted]' },
      hooks: {
        streamWrite: (line) =>
          secrets.reduce((out, secret) => out.replaceAll(secret, '[redacted]'), line),
      },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
