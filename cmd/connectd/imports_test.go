package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestImportArrows fails when a package imports against DESIGN.md's arrows: plugins know
// nothing of actors or HTTP, HTTP knows nothing of Kafka, protoactor or plugins, and
// protoactor's cluster is reached only through actors/member.
func TestImportArrows(t *testing.T) {
	const mod = "github.com/connectd/connectd/"
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Imports    []string
	}
	rules := []struct {
		pkg     string // package path prefix below the module
		allowed func(imp string) bool
		why     string
	}{
		{"connectors/builtin", func(imp string) bool { return !strings.Contains(imp, ".") || strings.HasPrefix(imp, mod+"connectors") },
			"the built-in registry imports the plugins and nothing else of ours"},
		{"connectors", func(imp string) bool { return !strings.Contains(imp, ".") || imp == mod+"connectors" },
			"plugins import only the standard library and the connectors API"},
		{"messages", func(imp string) bool { return !strings.HasPrefix(imp, mod) && !strings.Contains(imp, "protoactor") },
			"generated messages import nothing of ours"},
		{"http", func(imp string) bool {
			return !strings.Contains(imp, "protoactor") && !strings.Contains(imp, "sarama") && !strings.Contains(imp, "franz-go") &&
				(!strings.HasPrefix(imp, mod) || imp == mod+"messages" || imp == mod+"actors")
		}, "HTTP imports messages and the actors facade only"},
		{"actors/member", func(imp string) bool { return !strings.HasPrefix(imp, mod) || imp == mod+"messages" },
			"actors/member imports only the wire messages of ours"},
		{"actors/membership", func(imp string) bool {
			return !strings.Contains(imp, "protoactor") && (!strings.HasPrefix(imp, mod) || imp == mod+"actors/member")
		}, "membership knows Kafka groups and member.View, never protoactor itself"},
		{"actors/loglevel", func(imp string) bool { return !strings.Contains(imp, ".") },
			"logger levels import only the standard library"},
		{"actors/store", func(imp string) bool { return !strings.HasPrefix(imp, mod) || imp == mod+"messages" },
			"stores import messages only"},
		{"actors/pipeline", func(imp string) bool { return !strings.HasPrefix(imp, mod) || imp == mod+"connectors" },
			"pipelines import the connectors API only"},
		{"actors", func(imp string) bool {
			if strings.HasPrefix(imp, mod+"connectors/") || strings.HasPrefix(imp, mod+"http") || strings.HasPrefix(imp, mod+"cmd") {
				return false
			}
			return !strings.HasPrefix(imp, "github.com/asynkron/protoactor-go/cluster/") && !strings.HasPrefix(imp, "github.com/asynkron/protoactor-go/remote")
		}, "actors never imports a plugin or HTTP; cluster bootstrap lives in actors/member"},
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
			break
		}
	}
	if checked < 6 {
		t.Fatalf("checked only %d packages; the rules no longer match the layout", checked)
	}
}
