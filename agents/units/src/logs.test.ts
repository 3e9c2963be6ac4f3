import { trace } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';

import { createLogger } from './logs.ts';
import { startTelemetry } from './telemetry.ts';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('JSON logs', () => {
  it('write one JSON object per line with the active span\'s trace id', () => {
    const telemetry = startTelemetry({ service: 'units', version: '0', otlpEndpoint: undefined, exportDelayMs: 0 });
    const { lines, stream } = capture();
    const log = createLogger({ service: 'units', level: 'info', destination: stream });
    telemetry.tracer.startActiveSpan('work', (span) => {
      log.info('inside');
      span.end();
    });
    const entry = JSON.parse(lines[0] ?? '{}');
    assert.equal(entry.msg, 'inside');
    assert.equal(entry.level, 'INFO');
    assert.equal(entry.service, 'units');
    assert.match(entry.ts, /^\d{4}-\d\d-\d\dT/);
    assert.match(entry.trace_id, /^[0-9a-f]{32}$/);
    assert.notEqual(entry.trace_id, '0'.repeat(32));
    assert.equal(trace.getActiveSpan(), undefined);
  });

  it('never write the app\'s tokens or request headers', () => {
    const { lines, stream } = capture();
    const secret = 'super-secret-token-123';
    const log = createLogger({ service: 'units', level: 'info', secrets: [secret], destination: stream });
    log.info({ headers: { 'dapr-api-token': 'abc' } }, `token was ${secret}`);
    assert.ok(!lines[0]?.includes(secret));
    assert.ok(!lines[0]?.includes('abc'));
  });

  it('take the Python services\' level names', () => {
    const { stream } = capture();
    assert.equal(createLogger({ service: 'units', level: 'warning', destination: stream }).level, 'warn');
    assert.equal(createLogger({ service: 'units', level: 'critical', destination: stream }).level, 'fatal');
  });
});
