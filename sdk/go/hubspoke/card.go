package hubspoke

// The parts of an A2A 1.0 card that are the same for every Hubspoke agent;
// the agent adds its name, description, version, skills and schemas.

// Interfaces are the card's supportedInterfaces: JSON-RPC on the CALLER's own
// sidecar (3500, Dapr's default HTTP port; never the app's own port) and, when
// the agent takes asynchronous work, the pub/sub binding on its requests topic.
func Interfaces(s Settings) []map[string]string {
	interfaces := []map[string]string{{
		"url":             "http://localhost:3500/v1.0/invoke/" + s.AppID + "/method/a2a",
		"protocolBinding": "JSONRPC", "protocolVersion": "1.0",
	}}
	if s.AsyncWork {
		interfaces = append(interfaces, map[string]string{
			"url":             "dapr-pubsub://" + s.PubSub + "/" + RequestsTopic(s.AppID),
			"protocolBinding": PubSubBindingURI, "protocolVersion": "1.0",
		})
	}
	return interfaces
}

// Extension is the Hubspoke extension v2 of the card's capabilities: skills maps
// each skill id to its schemas; evaluation lists examples with expected answers.
func Extension(s Settings, skills map[string]any, evaluation []map[string]any) map[string]any {
	return map[string]any{
		"uri": ExtensionURI,
		"description": "Hubspoke contract: Dapr app-id, contract version, schemas. Interface URLs are on " +
			"the caller's own Dapr sidecar (3500 = Dapr's default HTTP port).",
		// "required" is left out when false, as proto JSON leaves a default out: the hub
		// verifies the card's signature over its proto JSON form (SignCard).
		"params": map[string]any{
			"appId": s.AppID, "contractVersion": ContractVersion, "owner": s.Owner,
			"skills": skills, "asyncWork": s.AsyncWork, "evaluation": evaluation,
		},
	}
}

// SecuritySchemes are the card's securitySchemes: Dapr mTLS and the caller's sidecar token.
func SecuritySchemes() map[string]any {
	return map[string]any{
		"daprMtls": map[string]any{"mtlsSecurityScheme": map[string]string{
			"description": "Dapr Sentry SPIFFE identity over mTLS between sidecars; the access policy allows only the orchestrator's identity."}},
		"daprApiToken": map[string]any{"apiKeySecurityScheme": map[string]string{
			"description": "The caller's own Dapr sidecar API token.", "location": "header", "name": AppTokenHeader}},
	}
}

// SecurityRequirements require both schemes together.
func SecurityRequirements() []map[string]any {
	return []map[string]any{{"schemes": map[string]any{
		"daprMtls": map[string]any{"list": []string{}}, "daprApiToken": map[string]any{"list": []string{}}}}}
}
