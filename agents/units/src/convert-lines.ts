/**
 * Converts one request per input line and answers one JSON line each, for tools
 * that judge the agent's answers without starting it (the in-process answer
 * evaluation, `eval/inprocess.py`): `node dist/convert-lines.js`, then write
 * `{"input": "convert 5 km to miles"}` lines; each answer is
 * `{"text": "5 km = 3.10686 miles"}` or `{"refused": "<reason>"}`, exactly what
 * the agent answers over A2A (`convert`, the same function the executor calls).
 */
import { createInterface } from 'node:readline';

import { ConversionRefused, convert } from './convert.ts';

function answer(line: string): Record<string, string> {
  let input: unknown;
  try {
    input = (JSON.parse(line) as { input?: unknown }).input;
  } catch {
    return { refused: 'each line must be a JSON object {"input": "..."}' };
  }
  if (typeof input !== 'string') return { refused: 'input must be a string' };
  try {
    return { text: convert(input).text };
  } catch (error) {
    if (error instanceof ConversionRefused) return { refused: error.message };
    throw error;
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  process.stdout.write(`${JSON.stringify(answer(line))}\n`);
}
