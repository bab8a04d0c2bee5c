package builtin

import (
	"reflect"
	"testing"

	"github.com/connectd/connectd/connectors"
)

// spec §3.22 lists these, in this order, on a worker with only the built-ins; connectd adds
// its load connectors (loadgen).
func TestRegistry(t *testing.T) {
	r := Registry()
	var got []string
	for _, p := range r.Plugins() {
		got = append(got, string(p.Type)+" "+p.Class+" "+p.Version)
	}
	want := []string{
		"sink io.connectd.loadgen.DiscardSinkConnector 3.9.0",
		"sink org.apache.kafka.connect.file.FileStreamSinkConnector 3.9.0",
		"source io.connectd.loadgen.DataGenSourceConnector 3.9.0",
		"source org.apache.kafka.connect.file.FileStreamSourceConnector 3.9.0",
		"converter org.apache.kafka.connect.converters.ByteArrayConverter 3.9.0",
		"converter org.apache.kafka.connect.json.JsonConverter 3.9.0",
		"converter org.apache.kafka.connect.storage.StringConverter 3.9.0",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plugins\n got %q\nwant %q", got, want)
	}
	tests := []struct {
		name string
		typ  connectors.PluginType
	}{
		{"FileStreamSink", connectors.Sink},
		{"FileStreamSourceConnector", connectors.Source},
		{"org.apache.kafka.connect.json.JsonConverter", connectors.ConverterType},
		{"StringConverter", connectors.ConverterType},
		{"ByteArray", connectors.ConverterType},
		{"DataGenSource", connectors.Source},
		{"DiscardSink", connectors.Sink},
	}
	for _, tt := range tests {
		if p, ok := r.Lookup(tt.name); !ok || p.Type != tt.typ {
			t.Errorf("Lookup(%q) = %+v, %v", tt.name, p, ok)
		}
	}
	if Registry() == r {
		t.Error("Registry shares its result between calls")
	}
}
