/**
 * Prints the agent's card as it serves it (A2A proto JSON) and exits, for tools
 * that read cards without starting the agent (the router evaluation, `make eval`):
 * `APP_ID=units node dist/card-json.js`. Settings come from the environment as
 * for `main.ts`, so the card printed is the card this environment would serve.
 */
import { AgentCard } from '@a2a-js/sdk';

import { buildCard } from './card.ts';
import { loadSettings } from './settings.ts';

process.stdout.write(`${JSON.stringify(AgentCard.toJSON(buildCard(loadSettings())))}\n`);
