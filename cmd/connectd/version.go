package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// apiVersion is the Kafka Connect version connectd reports on GET / (spec §0.1, §2.1): clients
// use it to pick API features, so it names the API level connectd implements.
const apiVersion = "4.4.0"

// vcsRevision is the commit the binary was built from when the build could not stamp it
// itself (go build in a git worktree, or GOFLAGS=-buildvcs=false): set with
// -ldflags "-X main.vcsRevision=<sha>". The build's own vcs.revision wins.
var vcsRevision string

// commit is the first 16 hex digits of the VCS revision the binary was built from, as Kafka's
// AppInfoParser reports its commit, or "unknown".
func commit() string {
	rev := vcsRevision
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				rev = s.Value
			}
		}
	}
	if len(rev) < 16 {
		return "unknown"
	}
	return rev[:16]
}

// ownVersion is connectd's own version: the main module's version when the build knows it
// (go install of a tagged or pseudo-versioned module), else "devel" and the commit.
func ownVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel-" + commit()
}

// serverHeader is the Server header of every REST response: connectd's own version, where
// Kafka Connect names its Jetty.
func serverHeader() string { return "connectd/" + ownVersion() }

func runVersion(stdout io.Writer) error {
	_, err := fmt.Fprintf(stdout, "connectd %s (Kafka Connect REST API %s), commit %s\n", ownVersion(), apiVersion, commit())
	return err
}
