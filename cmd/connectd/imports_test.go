package main

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImportArrows fails when a package imports against DESIGN.md's arrows: plugins know
// nothing of actors or HTTP, HTTP knows nothing of Kafka, protoactor or plugins, and
// protoactor's cluster is reached only through actors/member. A rule checks a package's own
// imports; a rule with deps also checks every package it depends on, directly or not (the
// Deps that `go list -deps` walks), so that an arrow cannot be bent through a third package.
func TestImportArrows(t *testing.T) {
	const mod = "github.com/connectd/connectd/"
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Imports    []string
		Deps       []string
	}
	// kafkaOrActors reports whether a package is a Kafka client, a Kafka broker or protoactor.
	kafkaOrActors := func(imp string) bool {
		return strings.Contains(imp, "protoactor") || strings.Contains(imp, "sarama") || strings.Contains(imp, "franz-go") || strings.Contains(imp, "kfake")
	}
	rules := []struct {
		pkg     string // package path prefix below the module
		allowed func(imp string) bool
		why     string
		deps    func(dep string) bool // nil: only direct imports are checked
	}{
		{"connectors/javaplugin", func(imp string) bool {
			return !strings.Contains(imp, ".") || imp == mod+"connectors" || strings.HasPrefix(imp, mod+"connectors/javaplugin/") ||
				strings.HasPrefix(imp, "google.golang.org/protobuf/")
		}, "the Java plugin source imports the connectors API, its own protocol package and protobuf only",
			func(dep string) bool {
				std := !strings.Contains(strings.SplitN(dep, "/", 2)[0], ".") // crypto/internal/fips140/v1.0.0 is standard
				return std || dep == mod+"connectors" || strings.HasPrefix(dep, mod+"connectors/javaplugin/") ||
					strings.HasPrefix(dep, "google.golang.org/protobuf/")
			}},
		{"connectors/postgres", func(imp string) bool {
			return !strings.Contains(imp, ".") || imp == mod+"connectors" || strings.HasPrefix(imp, "github.com/jackc/pgx/v5")
		}, "the PostgreSQL sink imports the connectors API and pgx only",
			func(dep string) bool {
				std := !strings.Contains(strings.SplitN(dep, "/", 2)[0], ".")
				return std || dep == mod+"connectors" || strings.HasPrefix(dep, "github.com/jackc/") || strings.HasPrefix(dep, "golang.org/x/text/")
			}},
		{"internal/pgserver", func(imp string) bool {
			return !strings.Contains(imp, ".") || strings.HasPrefix(imp, "github.com/jackc/pgx/v5")
		},
			"the tests' PostgreSQL server imports the standard library and pgx only", nil},
		{"connectors/builtin", func(imp string) bool { return !strings.Contains(imp, ".") || strings.HasPrefix(imp, mod+"connectors") },
			"the built-in registry imports the plugins and nothing else of ours", nil},
		{"connectors", func(imp string) bool { return !strings.Contains(imp, ".") || imp == mod+"connectors" },
			"plugins import only the standard library and the connectors API",
			func(dep string) bool { return !strings.Contains(dep, ".") || dep == mod+"connectors" }},
		{"messages", func(imp string) bool { return !strings.HasPrefix(imp, mod) && !strings.Contains(imp, "protoactor") },
			"generated messages import nothing of ours", nil},
		{"http", func(imp string) bool {
			return !kafkaOrActors(imp) && (!strings.HasPrefix(imp, mod) || imp == mod+"messages" || imp == mod+"actors/api")
		}, "HTTP imports messages and the facade's types (actors/api) only, and depends on no Kafka client or protoactor",
			func(dep string) bool {
				return !kafkaOrActors(dep) && (!strings.HasPrefix(dep, mod) || strings.HasPrefix(dep, mod+"http/") || dep == mod+"messages" || dep == mod+"actors/api")
			}},
		{"actors/api", func(imp string) bool {
			return !kafkaOrActors(imp) && (!strings.HasPrefix(imp, mod) || imp == mod+"messages")
		},
			"the facade's types import only the wire messages of ours",
			func(dep string) bool {
				return !kafkaOrActors(dep) && (!strings.HasPrefix(dep, mod) || dep == mod+"messages")
			}},
		{"actors/validation", func(imp string) bool {
			return !kafkaOrActors(imp) && (!strings.HasPrefix(imp, mod) || imp == mod+"messages" || imp == mod+"connectors" ||
				imp == mod+"actors/api" || imp == mod+"actors/pipeline" || imp == mod+"actors/kafkaconfig" || imp == mod+"actors/configprovider")
		}, "validation reads configs with the registry: messages, the connectors API, actors/api, the pipeline's chain, client settings and config providers", nil},
		{"actors/member", func(imp string) bool { return !strings.HasPrefix(imp, mod) || imp == mod+"messages" },
			"actors/member imports only the wire messages of ours", nil},
		{"actors/membership", func(imp string) bool {
			return !strings.Contains(imp, "protoactor") && (!strings.HasPrefix(imp, mod) || imp == mod+"actors/member")
		}, "membership knows Kafka groups and member.View, never protoactor itself", nil},
		{"loglevel", func(imp string) bool { return !strings.Contains(imp, ".") },
			"logger levels import only the standard library", nil},
		{"internal/wait", func(imp string) bool { return !strings.Contains(imp, ".") },
			"the tests' condition wait imports only the standard library", nil},
		{"internal/pluginfixture", func(imp string) bool { return !strings.Contains(imp, ".") },
			"the tests' plugin.path fixtures import only the standard library", nil},
		{"internal/brokerfault", func(imp string) bool { return !strings.HasPrefix(imp, mod) },
			"the tests' broker faults import franz-go's messages and nothing of ours", nil},
		{"actors/store", func(imp string) bool { return !strings.HasPrefix(imp, mod) || imp == mod+"messages" },
			"stores import messages only", nil},
		{"actors/clusterauth", func(imp string) bool {
			return !strings.Contains(imp, "protoactor") && (!strings.HasPrefix(imp, mod) || imp == mod+"actors/store" || imp == mod+"actors/tlsconfig")
		}, "cluster authentication knows the session-key record and TLS settings, never protoactor", nil},
		{"actors/tlsconfig", func(imp string) bool { return !strings.HasPrefix(imp, mod) },
			"ssl.* parsing imports nothing of ours: Kafka clients, listeners and the cluster all use it", nil},
		{"actors/pipeline", func(imp string) bool {
			return !strings.HasPrefix(imp, mod) || imp == mod+"connectors" || imp == mod+"actors/kafkaconfig"
		}, "pipelines import the connectors API and the client settings mapping only", nil},
		{"actors/kafkaconfig", func(imp string) bool { return !strings.HasPrefix(imp, mod) || imp == mod+"actors/tlsconfig" },
			"client settings import only the TLS settings of ours", nil},
		{"actors/configprovider", func(imp string) bool { return !strings.Contains(imp, ".") || imp == mod+"properties" },
			"config providers import only the standard library and the properties reader", nil},
		{"properties", func(imp string) bool { return !strings.Contains(imp, ".") },
			"the properties reader imports only the standard library", nil},
		{"actors/metrics", func(imp string) bool { return !strings.HasPrefix(imp, mod) && !kafkaOrActors(imp) },
			"metrics import the Prometheus client and nothing of ours", nil},
		{"actors", func(imp string) bool {
			if strings.HasPrefix(imp, mod+"connectors/") || strings.HasPrefix(imp, mod+"http") || strings.HasPrefix(imp, mod+"cmd") {
				return false
			}
			return !strings.HasPrefix(imp, "github.com/asynkron/protoactor-go/cluster/") && !strings.HasPrefix(imp, "github.com/asynkron/protoactor-go/remote")
		}, "actors never imports a plugin or HTTP; cluster bootstrap lives in actors/member", nil},
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(p.ImportPath, mod)
		for _, r := range rules {
			if rel != r.pkg && !strings.HasPrefix(rel, r.pkg+"/") {
				continue
			}
			// actors/member and friends have rules of their own.
			if r.pkg == "actors" && rel != "actors" {
				continue
			}
			checked++
			for _, imp := range p.Imports {
				if !r.allowed(imp) {
					t.Errorf("%s imports %s: %s", rel, imp, r.why)
				}
			}
			for _, dep := range p.Deps {
				if r.deps != nil && !slices.Contains(p.Imports, dep) && !r.deps(dep) {
					t.Errorf("%s depends on %s indirectly: %s", rel, dep, r.why)
				}
			}
			break
		}
	}
	if checked < 9 {
		t.Fatalf("checked only %d packages; the rules no longer match the layout", checked)
	}
}
