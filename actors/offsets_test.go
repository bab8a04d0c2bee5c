package actors

import (
	"reflect"
	"testing"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/messages"
)

// The four success texts (spec §3.21): the short one when the plugin's OffsetAlterer says it
// manages no other offsets, Kafka Connect's framework-managed one otherwise (no built-in
// plugin takes that path, so it is pinned here).
func TestSuccessMessage(t *testing.T) {
	tests := []struct {
		managed, reset bool
		want           string
	}{
		{true, false, "The offsets for this connector have been altered successfully"},
		{true, true, "The offsets for this connector have been reset successfully"},
		{false, false, "The Connect framework-managed offsets for this connector have been altered successfully. However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses."},
		{false, true, "The Connect framework-managed offsets for this connector have been reset successfully. However, if this connector manages offsets externally, they will need to be manually reset in the system that the connector uses."},
	}
	for _, tt := range tests {
		if got := successMessage(tt.managed, tt.reset); got != tt.want {
			t.Errorf("successMessage(%v, %v) = %q, want %q", tt.managed, tt.reset, got, tt.want)
		}
	}
}

// Source offsets are normalised as JsonConverter reads them: integral numbers become int64,
// others float64 (spec §3.21, §16.11).
func TestSourceOffsetMap(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]any
	}{
		{`{"position":7}`, map[string]any{"position": int64(7)}},
		{`{"position":7.0,"big":9223372036854775808}`, map[string]any{"position": 7.0, "big": 9223372036854775808.0}},
		{`{"s":"10","b":true,"n":null}`, map[string]any{"s": "10", "b": true, "n": nil}},
		{`null`, nil},
		{``, nil},
	}
	for _, tt := range tests {
		got, err := sourceOffsetMap([]byte(tt.in))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("sourceOffsetMap(%s) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

// Sink partitions and offsets accept numbers and numeric strings; a later entry for the same
// partition wins, as Kafka Connect's map does (spec §3.21).
func TestParseSinkOffsets(t *testing.T) {
	in := []*messages.ConnectorOffset{
		{Partition: []byte(`{"kafka_topic":"a","kafka_partition":"0"}`), Offset: []byte(`{"kafka_offset":"5"}`)},
		{Partition: []byte(`{"kafka_topic":"a","kafka_partition":1}`), Offset: []byte(`null`)},
		{Partition: []byte(`{"kafka_topic":"a","kafka_partition":0}`), Offset: []byte(`{"kafka_offset":+6}`)},
	}
	// "+6" is not JSON: the entry is refused before parsing.
	if _, err := parseSinkOffsets(in); err == nil || api.CodeOf(err) != messages.ErrorCode_ERROR_CODE_BAD_REQUEST {
		t.Errorf("invalid JSON: err = %v, want BAD_REQUEST", err)
	}
	in[2].Offset = []byte(`{"kafka_offset":6}`)
	got, err := parseSinkOffsets(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %v", got)
	}
	for tp, o := range got {
		switch {
		case tp.Topic == "a" && tp.Partition == 0 && o != nil && *o == 6:
		case tp.Topic == "a" && tp.Partition == 1 && o == nil:
		default:
			t.Errorf("unexpected %v = %v", tp, o)
		}
	}
}
