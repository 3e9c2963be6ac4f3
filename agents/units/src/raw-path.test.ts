import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { pathAmbiguity } from './raw-path.ts';

describe('pathAmbiguity', () => {
  it('names why a raw path could route elsewhere once decoded', () => {
    for (const raw of ['/v1%2Factivity', '/a\u0000', '/a\u007f', '/a%2', '/a%zz', '/a/%2e', '/a/./b', 'a2a', '/a%25']) {
      assert.notEqual(pathAmbiguity(raw), undefined, raw);
    }
  });

  it('passes plain paths and escapes that cannot change the segments', () => {
    for (const raw of ['/', '/a2a', '/.well-known/agent-card.json', '/x/caf%C3%A9', '/x/a%20b']) {
      assert.equal(pathAmbiguity(raw), undefined, raw);
    }
  });
});
