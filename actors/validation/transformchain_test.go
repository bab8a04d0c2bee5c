package validation

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/builtin"
)

// spec §9.1: transforms run in order; a predicate limits a transform to the records it
// matches, negate to those it does not; errors.tolerance=all skips a failing record.
func TestTransformChain(t *testing.T) {
	filterOn := func(negate string) map[string]string {
		c := map[string]string{"transforms": "f", "transforms.f.type": "Filter", "transforms.f.predicate": "isA",
			"predicates": "isA", "predicates.isA.type": "TopicNameMatches", "predicates.isA.pattern": "a"}
		if negate != "" {
			c["transforms.f.negate"] = negate
		}
		return c
	}
	cast := map[string]string{"transforms": "route,c", "transforms.route.type": "RegexRouter", "transforms.route.regex": "(.*)",
		"transforms.route.replacement": "$1-x", "transforms.c.type": "org.apache.kafka.connect.transforms.Cast$Value", "transforms.c.spec": "int32"}
	withAll := map[string]string{"errors.tolerance": "all"}
	for k, v := range cast {
		withAll[k] = v
	}
	tests := []struct {
		name    string
		config  map[string]string
		in      connectors.Record
		want    *connectors.Record
		wantErr bool
	}{
		{"predicate matches: filtered", filterOn(""), connectors.Record{Topic: "a"}, nil, false},
		{"predicate does not match: kept", filterOn(""), connectors.Record{Topic: "b"}, &connectors.Record{Topic: "b"}, false},
		{"negated, matches: kept", filterOn("true"), connectors.Record{Topic: "a"}, &connectors.Record{Topic: "a"}, false},
		{"negated, does not match: filtered", filterOn("true"), connectors.Record{Topic: "b"}, nil, false},
		{"in order", cast, connectors.Record{Topic: "t", Value: "7"}, &connectors.Record{Topic: "t-x", Value: int32(7)}, false},
		{"error fails", cast, connectors.Record{Topic: "t", Value: "x"}, nil, true},
		{"error skipped with tolerance all", withAll, connectors.Record{Topic: "t", Value: "x"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(builtin.Registry(), WorkerConverters{}).TransformChain(tt.config, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			in := tt.in
			got, err := c.Apply(&in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			switch {
			case (got == nil) != (tt.want == nil):
				t.Fatalf("got %+v, want %+v", got, tt.want)
			case got != nil && (got.Topic != tt.want.Topic || got.Value != tt.want.Value):
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTransformChainBuild(t *testing.T) {
	vd := New(builtin.Registry(), WorkerConverters{})
	if c, err := vd.TransformChain(map[string]string{"transforms": ""}, nil); c != nil || err != nil {
		t.Errorf("no transforms: %v, %v", c, err)
	}
	for _, config := range []map[string]string{
		{"transforms": "a", "transforms.a.type": "com.example.Nope"},
		{"transforms": "a", "transforms.a.type": "RegexRouter"},                           // misconfigured
		{"transforms": "a", "transforms.a.type": "Filter", "transforms.a.predicate": "p"}, // undefined predicate
	} {
		if c, err := vd.TransformChain(config, slog.New(slog.DiscardHandler)); err == nil {
			c.Close()
			t.Errorf("%v: no error", config)
		}
	}
}

// Kafka Connect 4.1+ (KIP-891): transforms.<alias>.plugin.version and
// predicates.<alias>.plugin.version pick among the installed versions of the class, and a
// version none matches fails the chain rather than running another one.
func TestTransformChainPluginVersion(t *testing.T) {
	reg := builtin.Registry()
	// A second version of RegexRouter: its rename says which version ran.
	reg.Register(connectors.Plugin{Class: "org.apache.kafka.connect.transforms.RegexRouter", Type: connectors.TransformationType,
		Version: "1.0.0", New: func() any { return renameTo("old") }})
	tests := []struct {
		version string
		want    string // the topic after the chain; "" means the chain is refused
	}{
		{"", "t-x"},          // the default: the first registered (the built-in)
		{"4.4.0", "t-x"},     // exactly the built-in
		{"1.0.0", "old"},     // exactly the other one
		{"[0.1,2.0)", "old"}, // a Maven range: the newest version it contains
		{"[1.0,)", "t-x"},
		{"9.9", ""},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			config := map[string]string{"transforms": "route", "transforms.route.type": "RegexRouter",
				"transforms.route.regex": "(.*)", "transforms.route.replacement": "$1-x"}
			if tt.version != "" {
				config["transforms.route.plugin.version"] = tt.version
			}
			c, err := New(reg, WorkerConverters{}).TransformChain(config, slog.New(slog.DiscardHandler))
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), "not found that matches the version range [9.9,9.9], available versions: [4.4.0, 1.0.0]") {
					t.Fatalf("chain with version %s: err %v, want Kafka's no-such-version error", tt.version, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			got, err := c.Apply(&connectors.Record{Topic: "t"})
			if err != nil || got == nil || got.Topic != tt.want {
				t.Fatalf("got %+v (err %v), want topic %q", got, err, tt.want)
			}
		})
	}
}

// renameTo is a transformation that sets every record's topic.
type renameTo string

func (r renameTo) Configure(map[string]string) error { return nil }
func (r renameTo) Apply(rec *connectors.Record) (*connectors.Record, error) {
	rec.Topic = string(r)
	return rec, nil
}
func (r renameTo) Close() error                 { return nil }
func (r renameTo) Config() connectors.ConfigDef { return nil }
