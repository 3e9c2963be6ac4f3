// The components this project's daprd can load, and nothing else.
//
// Stock daprd registers components only under the build tags
// "stablecomponents"/"allcomponents", which compile every cloud SDK and
// still leave nameresolution.sqlite out of the stable set. build.sh
// generates main() next to this file from the pinned cmd/daprd/app minus its
// all-components import, so only what is registered here is linked in.
package main

import (
	nrMdns "github.com/dapr/components-contrib/nameresolution/mdns"
	nrSqlite "github.com/dapr/components-contrib/nameresolution/sqlite"
	pubsubInMemory "github.com/dapr/components-contrib/pubsub/in-memory"
	pubsubRedis "github.com/dapr/components-contrib/pubsub/redis"
	secretEnv "github.com/dapr/components-contrib/secretstores/local/env"
	secretFile "github.com/dapr/components-contrib/secretstores/local/file"
	stateInMemory "github.com/dapr/components-contrib/state/in-memory"
	stateRedis "github.com/dapr/components-contrib/state/redis"
	stateSqlite "github.com/dapr/components-contrib/state/sqlite"
	nrLoader "github.com/dapr/dapr/pkg/components/nameresolution"
	pubsubLoader "github.com/dapr/dapr/pkg/components/pubsub"
	secretstoresLoader "github.com/dapr/dapr/pkg/components/secretstores"
	stateLoader "github.com/dapr/dapr/pkg/components/state"
)

func init() {
	stateLoader.DefaultRegistry.RegisterComponent(stateSqlite.NewSQLiteStateStore, "sqlite", "sqlite3")
	stateLoader.DefaultRegistry.RegisterComponent(stateRedis.NewRedisStateStore, "redis")
	stateLoader.DefaultRegistry.RegisterComponent(stateInMemory.NewInMemoryStateStore, "in-memory")

	pubsubLoader.DefaultRegistry.RegisterComponent(pubsubRedis.NewRedisStreams, "redis")
	pubsubLoader.DefaultRegistry.RegisterComponent(pubsubInMemory.New, "in-memory")

	nrLoader.DefaultRegistry.RegisterComponent(nrSqlite.NewResolver, "sqlite")
	nrLoader.DefaultRegistry.RegisterComponent(nrMdns.NewResolver, "mdns")

	secretstoresLoader.DefaultRegistry.RegisterComponent(secretFile.NewLocalSecretStore, "local.file")
	secretstoresLoader.DefaultRegistry.RegisterComponent(secretEnv.NewEnvSecretStore, "local.env")
}
