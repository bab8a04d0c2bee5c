// Package hostpb holds the Go code generated from proto/pluginhost.proto: the frames a worker
// and its Java plugin host exchange. Regenerate with `go generate ./connectors/javaplugin/...`;
// never edit pluginhost.pb.go.
//
// The same step makes the Java side, in the Maven module (host/src/main/java/.../proto), with
// the same protoc: ../protoc runs protoc at protobuf-java's version, fetched from Maven Central
// with a pinned SHA-256, so that the module is complete on its own (the worker embeds it and
// compiles it with javac or ecj, where no protoc exists). protoc-gen-go is pinned by go.mod's
// tool directive.
package hostpb

//go:generate rm -rf ../host/src/main/java/com/github/connectd/pluginhost/proto
//go:generate sh -c "go run ../protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) -I ../../../proto --go_out=. --go_opt=paths=source_relative --java_out=../host/src/main/java pluginhost.proto"
