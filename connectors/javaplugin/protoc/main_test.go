package main

import (
	"os"
	"regexp"
	"testing"
)

// TestVersionIsProtobufJava: the generated Java code must come from the protoc of the
// protobuf-java version the host runs on (protobuf-java checks it at class load).
func TestVersionIsProtobufJava(t *testing.T) {
	pom, err := os.ReadFile("../host/pom.xml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<protobuf.version>([^<]+)</protobuf.version>`).FindSubmatch(pom)
	if m == nil || string(m[1]) != version {
		t.Fatalf("pom.xml's protobuf.version is %q, protoc's version here %q", m, version)
	}
}
