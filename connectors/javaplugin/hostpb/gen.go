// Package hostpb holds the Go code generated from proto/pluginhost.proto: the frames a worker
// and its Java plugin host exchange. Regenerate with `go generate ./connectors/javaplugin/...`;
// never edit pluginhost.pb.go.
//
// The same step copies the .proto into the Maven module (host/src/main/proto), where the Maven
// build generates the Java side with protoc at the version the pom pins, so that the module is
// complete on its own (the worker embeds it and builds it where no checkout exists). protoc and
// protoc-gen-go are pinned as for messages/.
package hostpb

//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) -I ../../../proto --go_out=. --go_opt=paths=source_relative pluginhost.proto && cp ../../../proto/pluginhost.proto ../host/src/main/proto/pluginhost.proto"
