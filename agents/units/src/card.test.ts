import { AgentCard } from '@a2a-js/sdk';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { buildCard } from './card.ts';
import { convert } from './convert.ts';
import { loadSettings } from './settings.ts';

// The proto JSON as a client reads it: loosely typed on purpose.
type Json = Record<string, any>;

const cardJson = (env: Record<string, string> = {}) =>
  AgentCard.toJSON(buildCard(loadSettings({ APP_ID: 'units', APP_PORT: '8004', ...env }))) as Json;

describe('the card', () => {
  it('points only at the caller\'s own sidecar and the work topic, never at the app port', () => {
    const urls = cardJson().supportedInterfaces.map((i: Json) => i.url);
    assert.deepEqual(urls, [
      'http://localhost:3500/v1.0/invoke/units/method/a2a',
      'dapr-pubsub://pubsub/agent.requests.units',
    ]);
    assert.ok(!urls.some((u: string) => u.includes(':8004')));
  });

  it('lists the pub/sub interface only when the agent takes asynchronous work', () => {
    const card = cardJson({ HUBSPOKE_ASYNC_WORK: 'false' });
    assert.deepEqual(card.supportedInterfaces.map((i: Json) => i.protocolBinding), ['JSONRPC']);
    assert.equal(card.capabilities.extensions[0].params.asyncWork, false);
  });

  it('carries the Hubspoke v2 extension with the skill\'s schemas', () => {
    const [extension] = cardJson().capabilities.extensions;
    assert.equal(extension.uri, 'https://hubspoke.dev/extensions/agent/v2');
    assert.equal(extension.params.contractVersion, 'hubspoke.agent/v2');
    assert.deepEqual(Object.keys(extension.params.skills), ['convert-units']);
    assert.ok(extension.params.skills['convert-units'].inputSchema);
  });

  it('requires both the sidecar\'s mTLS identity and the caller\'s sidecar token', () => {
    const card = cardJson();
    assert.deepEqual(Object.keys(card.securityRequirements[0].schemes).sort(), ['daprApiToken', 'daprMtls']);
    assert.ok(card.securitySchemes.daprMtls.mtlsSecurityScheme);
    assert.equal(card.securitySchemes.daprApiToken.apiKeySecurityScheme.name, 'dapr-api-token');
  });

  it('names a provider with a URL and does not claim streaming', () => {
    const card = cardJson({ HUBSPOKE_AGENT_OWNER: 'team-units' });
    assert.deepEqual(card.provider, { organization: 'team-units', url: 'https://github.com/hubspoke/hubspoke' });
    assert.equal(card.capabilities.streaming, false);
  });

  it('declares evaluation examples whose expected answers the converter gives', () => {
    const examples = cardJson().capabilities.extensions[0].params.evaluation as Json[];
    assert.ok(examples.length >= 2);
    for (const example of examples) {
      assert.equal(example.skill, 'convert-units');
      if (example.expect.state === 'rejected') {
        assert.throws(() => convert(example.input), example.input);
      } else {
        const text = convert(example.input).text.toLowerCase();
        for (const part of example.expect.contains as string[]) {
          assert.ok(text.includes(part.toLowerCase()), `${example.input}: ${text} lacks ${part}`);
        }
      }
    }
  });

  it('promises only examples the agent converts', () => {
    for (const example of cardJson().skills[0].examples as string[]) {
      assert.ok(Number.isFinite(convert(example).result), example);
    }
  });
});
