package builtin

import (
	"reflect"
	"testing"

	"github.com/connectd/connectd/connectors"
)

// spec §3.22 lists these, in this order (sinks, sources, transformations, predicates,
// converters, header converters), on a worker with only the built-ins.
func TestRegistry(t *testing.T) {
	r := Registry()
	var got []string
	for _, p := range r.Plugins() {
		got = append(got, string(p.Type)+" "+p.Class+" "+p.Version)
	}
	want := []string{
		"sink io.connectd.loadgen.DiscardSinkConnector 1.0.0",
		"sink io.connectd.postgres.PostgresSinkConnector 1.0.0",
		"sink org.apache.kafka.connect.file.FileStreamSinkConnector 4.4.0",
		"source io.connectd.loadgen.DataGenSourceConnector 1.0.0",
		"source org.apache.kafka.connect.file.FileStreamSourceConnector 4.4.0",
		"transformation org.apache.kafka.connect.transforms.Cast$Key 4.4.0",
		"transformation org.apache.kafka.connect.transforms.Cast$Value 4.4.0",
		"transformation org.apache.kafka.connect.transforms.DropHeaders 4.4.0",
		"transformation org.apache.kafka.connect.transforms.ExtractField$Key 4.4.0",
		"transformation org.apache.kafka.connect.transforms.ExtractField$Value 4.4.0",
		"transformation org.apache.kafka.connect.transforms.Filter 4.4.0",
		"transformation org.apache.kafka.connect.transforms.Flatten$Key 4.4.0",
		"transformation org.apache.kafka.connect.transforms.Flatten$Value 4.4.0",
		"transformation org.apache.kafka.connect.transforms.HeaderFrom$Key 4.4.0",
		"transformation org.apache.kafka.connect.transforms.HeaderFrom$Value 4.4.0",
		"transformation org.apache.kafka.connect.transforms.HoistField$Key 4.4.0",
		"transformation org.apache.kafka.connect.transforms.HoistField$Value 4.4.0",
		"transformation org.apache.kafka.connect.transforms.InsertField$Key 4.4.0",
		"transformation org.apache.kafka.connect.transforms.InsertField$Value 4.4.0",
		"transformation org.apache.kafka.connect.transforms.InsertHeader 4.4.0",
		"transformation org.apache.kafka.connect.transforms.MaskField$Key 4.4.0",
		"transformation org.apache.kafka.connect.transforms.MaskField$Value 4.4.0",
		"transformation org.apache.kafka.connect.transforms.RegexRouter 4.4.0",
		"transformation org.apache.kafka.connect.transforms.ReplaceField$Key 4.4.0",
		"transformation org.apache.kafka.connect.transforms.ReplaceField$Value 4.4.0",
		"transformation org.apache.kafka.connect.transforms.SetSchemaMetadata$Key 4.4.0",
		"transformation org.apache.kafka.connect.transforms.SetSchemaMetadata$Value 4.4.0",
		"transformation org.apache.kafka.connect.transforms.TimestampConverter$Key 4.4.0",
		"transformation org.apache.kafka.connect.transforms.TimestampConverter$Value 4.4.0",
		"transformation org.apache.kafka.connect.transforms.TimestampRouter 4.4.0",
		"transformation org.apache.kafka.connect.transforms.ValueToKey 4.4.0",
		"predicate org.apache.kafka.connect.transforms.predicates.HasHeaderKey 4.4.0",
		"predicate org.apache.kafka.connect.transforms.predicates.RecordIsTombstone 4.4.0",
		"predicate org.apache.kafka.connect.transforms.predicates.TopicNameMatches 4.4.0",
		"converter org.apache.kafka.connect.converters.BooleanConverter 4.4.0",
		"converter org.apache.kafka.connect.converters.ByteArrayConverter 4.4.0",
		"converter org.apache.kafka.connect.converters.DoubleConverter 4.4.0",
		"converter org.apache.kafka.connect.converters.FloatConverter 4.4.0",
		"converter org.apache.kafka.connect.converters.IntegerConverter 4.4.0",
		"converter org.apache.kafka.connect.converters.LongConverter 4.4.0",
		"converter org.apache.kafka.connect.converters.ShortConverter 4.4.0",
		"converter org.apache.kafka.connect.json.JsonConverter 4.4.0",
		"converter org.apache.kafka.connect.storage.StringConverter 4.4.0",
		"header_converter org.apache.kafka.connect.converters.BooleanConverter 4.4.0",
		"header_converter org.apache.kafka.connect.converters.ByteArrayConverter 4.4.0",
		"header_converter org.apache.kafka.connect.converters.DoubleConverter 4.4.0",
		"header_converter org.apache.kafka.connect.converters.FloatConverter 4.4.0",
		"header_converter org.apache.kafka.connect.converters.IntegerConverter 4.4.0",
		"header_converter org.apache.kafka.connect.converters.LongConverter 4.4.0",
		"header_converter org.apache.kafka.connect.converters.ShortConverter 4.4.0",
		"header_converter org.apache.kafka.connect.json.JsonConverter 4.4.0",
		"header_converter org.apache.kafka.connect.storage.SimpleHeaderConverter 4.4.0",
		"header_converter org.apache.kafka.connect.storage.StringConverter 4.4.0",
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
		{"RegexRouter", connectors.TransformationType},
		{"org.apache.kafka.connect.transforms.InsertField$Value", connectors.TransformationType},
		{"TopicNameMatches", connectors.PredicateType},
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
