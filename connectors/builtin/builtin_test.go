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
		"sink io.connectd.loadgen.DiscardSinkConnector 3.9.0",
		"sink org.apache.kafka.connect.file.FileStreamSinkConnector 3.9.0",
		"source io.connectd.loadgen.DataGenSourceConnector 3.9.0",
		"source org.apache.kafka.connect.file.FileStreamSourceConnector 3.9.0",
		"transformation org.apache.kafka.connect.transforms.Cast$Key 3.9.0",
		"transformation org.apache.kafka.connect.transforms.Cast$Value 3.9.0",
		"transformation org.apache.kafka.connect.transforms.DropHeaders 3.9.0",
		"transformation org.apache.kafka.connect.transforms.ExtractField$Key 3.9.0",
		"transformation org.apache.kafka.connect.transforms.ExtractField$Value 3.9.0",
		"transformation org.apache.kafka.connect.transforms.Filter 3.9.0",
		"transformation org.apache.kafka.connect.transforms.Flatten$Key 3.9.0",
		"transformation org.apache.kafka.connect.transforms.Flatten$Value 3.9.0",
		"transformation org.apache.kafka.connect.transforms.HeaderFrom$Key 3.9.0",
		"transformation org.apache.kafka.connect.transforms.HeaderFrom$Value 3.9.0",
		"transformation org.apache.kafka.connect.transforms.HoistField$Key 3.9.0",
		"transformation org.apache.kafka.connect.transforms.HoistField$Value 3.9.0",
		"transformation org.apache.kafka.connect.transforms.InsertField$Key 3.9.0",
		"transformation org.apache.kafka.connect.transforms.InsertField$Value 3.9.0",
		"transformation org.apache.kafka.connect.transforms.InsertHeader 3.9.0",
		"transformation org.apache.kafka.connect.transforms.MaskField$Key 3.9.0",
		"transformation org.apache.kafka.connect.transforms.MaskField$Value 3.9.0",
		"transformation org.apache.kafka.connect.transforms.RegexRouter 3.9.0",
		"transformation org.apache.kafka.connect.transforms.ReplaceField$Key 3.9.0",
		"transformation org.apache.kafka.connect.transforms.ReplaceField$Value 3.9.0",
		"transformation org.apache.kafka.connect.transforms.SetSchemaMetadata$Key 3.9.0",
		"transformation org.apache.kafka.connect.transforms.SetSchemaMetadata$Value 3.9.0",
		"transformation org.apache.kafka.connect.transforms.TimestampConverter$Key 3.9.0",
		"transformation org.apache.kafka.connect.transforms.TimestampConverter$Value 3.9.0",
		"transformation org.apache.kafka.connect.transforms.TimestampRouter 3.9.0",
		"transformation org.apache.kafka.connect.transforms.ValueToKey 3.9.0",
		"predicate org.apache.kafka.connect.transforms.predicates.HasHeaderKey 3.9.0",
		"predicate org.apache.kafka.connect.transforms.predicates.RecordIsTombstone 3.9.0",
		"predicate org.apache.kafka.connect.transforms.predicates.TopicNameMatches 3.9.0",
		"converter org.apache.kafka.connect.converters.BooleanConverter 3.9.0",
		"converter org.apache.kafka.connect.converters.ByteArrayConverter 3.9.0",
		"converter org.apache.kafka.connect.converters.DoubleConverter 3.9.0",
		"converter org.apache.kafka.connect.converters.FloatConverter 3.9.0",
		"converter org.apache.kafka.connect.converters.IntegerConverter 3.9.0",
		"converter org.apache.kafka.connect.converters.LongConverter 3.9.0",
		"converter org.apache.kafka.connect.converters.ShortConverter 3.9.0",
		"converter org.apache.kafka.connect.json.JsonConverter 3.9.0",
		"converter org.apache.kafka.connect.storage.StringConverter 3.9.0",
		"header_converter org.apache.kafka.connect.converters.BooleanConverter 3.9.0",
		"header_converter org.apache.kafka.connect.converters.ByteArrayConverter 3.9.0",
		"header_converter org.apache.kafka.connect.converters.DoubleConverter 3.9.0",
		"header_converter org.apache.kafka.connect.converters.FloatConverter 3.9.0",
		"header_converter org.apache.kafka.connect.converters.IntegerConverter 3.9.0",
		"header_converter org.apache.kafka.connect.converters.LongConverter 3.9.0",
		"header_converter org.apache.kafka.connect.converters.ShortConverter 3.9.0",
		"header_converter org.apache.kafka.connect.json.JsonConverter 3.9.0",
		"header_converter org.apache.kafka.connect.storage.SimpleHeaderConverter 3.9.0",
		"header_converter org.apache.kafka.connect.storage.StringConverter 3.9.0",
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
