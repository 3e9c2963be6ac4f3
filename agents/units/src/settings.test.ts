import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SettingsError, loadSettings } from './settings.ts';

describe('loadSettings', () => {
  it('reads the launcher\'s variables under the Python chassis\'s names', () => {
    const settings = loadSettings({
      APP_ID: 'units',
      APP_PORT: '8004',
      DAPR_HTTP_PORT: '3504',
      APP_API_TOKEN: 'a',
      HUBSPOKE_ASYNC_WORK: 'false',
      HUBSPOKE_HEARTBEAT_SECONDS: '0.5',
    });
    assert.equal(settings.appPort, 8004);
    assert.equal(settings.daprHttpPort, 3504);
    assert.equal(settings.appApiToken, 'a');
    assert.equal(settings.asyncWork, false);
    assert.equal(settings.heartbeatSeconds, 0.5);
    assert.equal(settings.providerUrl, 'https://github.com/hubspoke/hubspoke');
  });

  it('refuses values it cannot read instead of guessing', () => {
    assert.throws(() => loadSettings({ APP_PORT: 'eighty' }), SettingsError);
    assert.throws(() => loadSettings({ HUBSPOKE_ASYNC_WORK: 'maybe' }), SettingsError);
    assert.throws(() => loadSettings({ APP_ID: 'Units!' }), SettingsError);
  });
});
