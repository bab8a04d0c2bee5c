// Package properties reads Java .properties files (java.util.Properties.load syntax), the
// format of worker properties, standalone connector files and FileConfigProvider's secrets.
//
// It imports only the standard library.
package properties
