package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version is the Kafka Connect version connectd reports on GET / (spec §2.1): clients use
// it to pick API features, so it names the API level connectd implements.
const version = "3.9.0"

// commit is the VCS revision the binary was built from, or "unknown".
func commit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 16 {
			return s.Value[:16]
		}
	}
	return "unknown"
}

func runVersion(stdout io.Writer) error {
	_, err := fmt.Fprintf(stdout, "connectd %s (Kafka Connect REST API %s), commit %s\n", version, version, commit())
	return err
}
