// Command protoc runs protoc at the version the Java plugin host pins (that of protobuf-java,
// whose generated code must come from the same protoc), fetched from Maven Central with its
// SHA-256 checked and cached under the user's cache directory. `go generate` runs it, so that
// the Go and Java code of proto/pluginhost.proto is made by one pinned protoc on every machine,
// none installed:
//
//	go run ./connectors/javaplugin/protoc [protoc's arguments]
//
// $CONNECTD_MAVEN_REPOSITORY points it at a mirror or a local Maven repository.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"

	"github.com/connectd/connectd/connectors/javaplugin/mavenrepo"
)

// version is protoc's, equal to protobuf.version in ../host/pom.xml.
const version = "4.33.5"

// sums are the SHA-256 of protoc's executables on Maven Central, by Go platform.
var sums = map[string]struct{ classifier, sha256 string }{
	"linux/amd64":   {"linux-x86_64", "e8d496f7dacade5bf42a11f4fbeb61e9bdfddd494fd292f5f1881ddc169e69cf"},
	"linux/arm64":   {"linux-aarch_64", "f5b75fc64531cc68201a955c496ddc1079be73e9d2acf3b39f275ba01545862f"},
	"darwin/amd64":  {"osx-x86_64", "1ee1360d9e6545854c54e2815123636da8fbe6bed2f009e6b0a0aea61ddc0b99"},
	"darwin/arm64":  {"osx-aarch_64", "bb621b25a3dd7a1d0f431196f9249143f3992eb51d47891d5aaf935f5b583096"},
	"windows/amd64": {"windows-x86_64", "2f284bc735f1ae475dee1a9d205d896d23de761cef4b70ef8d3ed9ea99ba0f6f"},
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "protoc:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	platform := runtime.GOOS + "/" + runtime.GOARCH
	p, ok := sums[platform]
	if !ok {
		return fmt.Errorf("no protoc %s on Maven Central for %s", version, platform)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return err
	}
	exe, err := mavenrepo.Repo{Cache: filepath.Join(cache, "connectd", "maven")}.Fetch(ctx, mavenrepo.Artifact{
		Group: "com.google.protobuf", Name: "protoc", Version: version, Classifier: p.classifier, Ext: "exe", SHA256: p.sha256,
	})
	if err != nil {
		return err
	}
	if err := os.Chmod(exe, 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, exe, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	return cmd.Run()
}
