// Package messages holds the Go code generated from proto/: every message that crosses an
// actor boundary. Regenerate with `go generate ./messages`; never edit the .pb.go files.
//
// The generator versions are pinned: protoc-gen-go by go.mod's tool directive, protoc by the
// Debian package protobuf-compiler (libprotoc 3.21.12; the generated headers name it).
package messages

//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) -I ../proto --go_out=. --go_opt=paths=source_relative state.proto connector.proto task.proto member.proto offsets.proto"
