/**
 * The agent's settings, read from the environment in this one place.
 *
 * The names are the Python chassis's (chassis/settings.py), so the launcher,
 * dapr.yaml and the k8s manifests configure this agent as any other:
 * APP_ID / APP_PORT and the tokens come from the launcher (or the Dapr
 * injector), HUBSPOKE_* tune every agent alike. DAPR_HTTP_PORT and
 * DAPR_API_TOKEN are the sidecar's, as the Dapr SDKs read them.
 */

export interface Settings {
  /** The agent's Dapr app-id. */
  appId: string;
  /** TCP port the app listens on (its sidecar calls it there). */
  appPort: number;
  /** Address the app listens on (0.0.0.0 in containers). */
  appHost: string;
  /** Log level. */
  logLevel: string;
  /** Larger request bodies get 413 before any handler reads them. */
  maxRequestBytes: number;
  /** The token daprd presents to the app; undefined = no check (tests only). */
  appApiToken: string | undefined;
  /** The sidecar's HTTP port. */
  daprHttpPort: number;
  /** The token the app presents to its sidecar. */
  daprApiToken: string | undefined;
  /** Dapr pub/sub the agent registers and takes work on. */
  pubsub: string;
  /** Dapr state store of the agent's own state (the async work's answers). */
  stateStore: string;
  /** Announce on agents.registry.<app-id>; off for agents registered by pull. */
  selfRegister: boolean;
  /** Seconds between the agent instance's heartbeats. */
  heartbeatSeconds: number;
  /** Who runs the agent: the card's provider.organization and extension owner. */
  owner: string;
  /** The card's provider.url. */
  providerUrl: string;
  /** Take asynchronous work from agent.requests.<app-id>. */
  asyncWork: boolean;
  /** The app's Ed25519 private key (base64url, raw) that signs what it publishes and its card; undefined = unsigned. */
  signingKey: string | undefined;
  /** JSON object, app id -> Ed25519 public key (base64url, raw): whose signatures this app accepts. */
  signingPublicKeys: string;
  /** Refuse messages not signed by their topic's owner; off only with a warning at start. */
  verifySignatures: boolean;
  /** The orchestrator's app-id: the one producer of this agent's work messages. */
  hubAppId: string;
  /** OTLP/HTTP base URL (the launcher's receiver, or a collector); undefined = export nothing. */
  otlpEndpoint: string | undefined;
  /** How long spans wait to be exported in a batch, in ms (the launcher sets 500). */
  spanExportDelayMs: number;
}

/** A setting that is set but cannot be read: the process refuses to start. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

function number(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new SettingsError(`${name} must be a number in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const lowered = raw.toLowerCase();
  // pydantic's spellings, so one variable means the same to every agent.
  if (['1', 'true', 'yes', 'on', 't', 'y'].includes(lowered)) return true;
  if (['0', 'false', 'no', 'off', 'f', 'n'].includes(lowered)) return false;
  throw new SettingsError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

/** The settings from `env` (default: this process's environment). */
export function loadSettings(env: Env = process.env): Settings {
  const appId = text(env, 'APP_ID', text(env, 'HUBSPOKE_APP_ID', 'units'));
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(appId)) {
    throw new SettingsError(`APP_ID ${JSON.stringify(appId)} is not a Dapr app-id`);
  }
  return {
    appId,
    appPort: number(env, 'APP_PORT', number(env, 'HUBSPOKE_APP_PORT', 8004, 1, 65535), 1, 65535),
    appHost: text(env, 'HUBSPOKE_APP_HOST', '127.0.0.1'),
    logLevel: text(env, 'HUBSPOKE_LOG_LEVEL', 'INFO').toLowerCase(),
    maxRequestBytes: number(env, 'HUBSPOKE_MAX_REQUEST_BYTES', 1_048_576, 1024, 1 << 30),
    appApiToken: optional(env, 'APP_API_TOKEN'),
    daprHttpPort: number(env, 'DAPR_HTTP_PORT', 3500, 1, 65535),
    daprApiToken: optional(env, 'DAPR_API_TOKEN'),
    pubsub: text(env, 'HUBSPOKE_PUBSUB', 'pubsub'),
    stateStore: text(env, 'HUBSPOKE_STATE_STORE', 'statestore'),
    selfRegister: flag(env, 'HUBSPOKE_SELF_REGISTER', true),
    heartbeatSeconds: number(env, 'HUBSPOKE_HEARTBEAT_SECONDS', 5, 0.1, 300),
    owner: text(env, 'HUBSPOKE_AGENT_OWNER', 'hubspoke'),
    providerUrl: text(env, 'HUBSPOKE_PROVIDER_URL', 'https://github.com/hubspoke/hubspoke'),
    asyncWork: flag(env, 'HUBSPOKE_ASYNC_WORK', true),
    signingKey: optional(env, 'HUBSPOKE_SIGNING_KEY'),
    signingPublicKeys: text(env, 'HUBSPOKE_SIGNING_PUBLIC_KEYS', '{}'),
    verifySignatures: flag(env, 'HUBSPOKE_VERIFY_SIGNATURES', true),
    hubAppId: text(env, 'HUBSPOKE_HUB_APP_ID', 'orchestrator'),
    otlpEndpoint: optional(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
    // The standard variable; the OTel JS 3.x batch processor no longer reads it itself.
    spanExportDelayMs: number(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 0, 600_000),
  };
}
