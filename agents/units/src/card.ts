/**
 * The agent's A2A card (A2A 1.0) with the Hubspoke extension (v2).
 *
 * Interfaces point at the CALLER's own sidecar (Dapr's default HTTP port
 * 3500, as DESIGN-A2A.md decides): a caller in the mesh reaches this agent
 * through Dapr only, never at its app port. The pub/sub interface is listed
 * only when the agent takes asynchronous work.
 */
import { AgentCard } from '@a2a-js/sdk';

import { CONTRACT_VERSION, HUBSPOKE_EXTENSION_URI, PUBSUB_BINDING_URI, agentRequestsTopic } from './contract.ts';
import type { Settings } from './settings.ts';

export const AGENT_VERSION = '0.1.0';
export const SKILL_ID = 'convert-units';
const EXAMPLES = ['convert 5 km to miles', '72 °F in celsius', '60 mph to km/h', '3 cups in ml'];

/**
 * Examples with their expected answers (the Hubspoke extension's `evaluation`): the
 * registry runs them through this agent over Dapr and routes tasks here only once all pass.
 */
export const EVALUATION = [
  { skill: SKILL_ID, input: 'convert 5 km to miles', expect: { state: 'completed', contains: ['3.10686', 'miles'] } },
  { skill: SKILL_ID, input: 'convert 1 km to kg', expect: { state: 'rejected', contains: [] } },
];

/** JSON Schemas of the skill's input (the text part) and output (the data part). */
export const SKILL_SCHEMAS = {
  inputSchema: {
    type: 'string',
    minLength: 1,
    maxLength: 500,
    description: 'A number, its unit and the target unit, e.g. "convert 5 km to miles".',
    examples: EXAMPLES,
  },
  // The structured arguments a caller may send as a data part beside the text.
  argumentsSchema: {
    type: 'object',
    required: ['value', 'from', 'to'],
    additionalProperties: false,
    properties: {
      value: { type: 'number', description: 'The quantity to convert.' },
      from: { type: 'string', description: 'Its unit, e.g. "km", "degF", "lb".' },
      to: { type: 'string', description: 'The target unit, e.g. "mi", "degC", "kg".' },
    },
  },
  outputSchema: {
    type: 'object',
    required: ['value', 'from', 'result', 'to', 'text'],
    properties: {
      value: { type: 'number', description: 'The quantity as given.' },
      from: { type: 'string', description: 'Its unit as written.' },
      result: { type: 'number', description: 'The quantity in the target unit.' },
      to: { type: 'string', description: 'The target unit as written.' },
      text: { type: 'string', description: 'The answer as a sentence (six significant digits).' },
    },
  },
} as const;

/** The card as the SDK types it (the request handler reads it); serve `AgentCard.toJSON`. */
export function buildCard(settings: Settings): AgentCard {
  const interfaces = [
    {
      url: `http://localhost:3500/v1.0/invoke/${settings.appId}/method/a2a`,
      protocolBinding: 'JSONRPC',
      protocolVersion: '1.0',
    },
  ];
  if (settings.asyncWork) {
    interfaces.push({
      url: `dapr-pubsub://${settings.pubsub}/${agentRequestsTopic(settings.appId)}`,
      protocolBinding: PUBSUB_BINDING_URI,
      protocolVersion: '1.0',
    });
  }
  return AgentCard.fromJSON({
    name: 'Units',
    description:
      'Converts a quantity between units of length, mass, volume, temperature, speed, time, ' +
      'data and more (mathjs units), e.g. "convert 5 km to miles" or "72 °F in celsius".',
    version: AGENT_VERSION,
    supportedInterfaces: interfaces,
    provider: { organization: settings.owner, url: settings.providerUrl },
    capabilities: {
      streaming: false,
      pushNotifications: false,
      extensions: [
        {
          uri: HUBSPOKE_EXTENSION_URI,
          description:
            'Hubspoke contract: Dapr app-id, contract version, schemas. Interface URLs are on ' +
            "the caller's own Dapr sidecar (3500 = Dapr's default HTTP port).",
          required: false,
          params: {
            appId: settings.appId,
            contractVersion: CONTRACT_VERSION,
            owner: settings.owner,
            skills: { [SKILL_ID]: SKILL_SCHEMAS },
            asyncWork: settings.asyncWork,
            evaluation: EVALUATION,
          },
        },
      ],
    },
    securitySchemes: {
      daprMtls: {
        mtlsSecurityScheme: {
          description:
            'Dapr Sentry SPIFFE identity over mTLS between sidecars; the access policy ' +
            "allows only the orchestrator's identity.",
        },
      },
      daprApiToken: {
        apiKeySecurityScheme: {
          description: "The caller's own Dapr sidecar API token.",
          location: 'header',
          name: 'dapr-api-token',
        },
      },
    },
    securityRequirements: [{ schemes: { daprMtls: { list: [] }, daprApiToken: { list: [] } } }],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills: [
      {
        id: SKILL_ID,
        name: 'Convert units',
        description:
          'Convert a number from one unit to another: length, area, volume, mass, temperature, ' +
          'speed, time, energy, power, pressure, data sizes.',
        tags: ['units', 'conversion', 'measurement', 'temperature', 'distance', 'weight'],
        examples: EXAMPLES,
        inputModes: ['text/plain'],
        outputModes: ['text/plain', 'application/json'],
      },
    ],
  });
}

