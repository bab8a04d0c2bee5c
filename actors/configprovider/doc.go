// Package configprovider resolves KIP-297 placeholders (${provider:path:key}) in worker and
// connector configurations with Kafka's built-in providers: FileConfigProvider,
// DirectoryConfigProvider and EnvVarConfigProvider, configured by config.providers,
// config.providers.<name>.class and config.providers.<name>.param.*.
//
// Invariants:
//   - configurations are stored and shown with their placeholders; Resolve's result goes only
//     to the plugin and the clients, and a Resolution redacts the values it substituted from
//     any text (errors, traces) that might quote them;
//   - a placeholder naming a configured provider that does not resolve (missing file, key,
//     variable, or a path outside allowed.paths) is an error naming the config key, never
//     the value;
//   - a placeholder naming no configured provider is left as written, as Kafka's
//     ConfigTransformer does.
//
// It imports only the standard library and package properties.
package configprovider
