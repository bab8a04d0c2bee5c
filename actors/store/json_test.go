package store

import (
	"bytes"
	"reflect"
	"testing"
)

// JsonConverter with schemas off reads integral numbers as long and others as double
// (spec §10.4).
func TestJSONRoundTrip(t *testing.T) {
	tests := []struct {
		in      any
		want    string
		decoded any
	}{
		{map[string]any{"position": 42}, `{"position":42}`, map[string]any{"position": int64(42)}},
		{map[string]any{"b": 1.5, "a": 2.0}, `{"a":2.0,"b":1.5}`, map[string]any{"a": 2.0, "b": 1.5}},
		{[]any{"c", map[string]any{"x": []string{"<&>"}}}, `["c",{"x":["<&>"]}]`, []any{"c", map[string]any{"x": []any{"<&>"}}}},
		{map[string]any{"u": uint16(7), "f": float32(0.5), "big": int64(1) << 62, "n": nil, "t": true}, `{"big":4611686018427387904,"f":0.5,"n":null,"t":true,"u":7}`,
			map[string]any{"big": int64(1) << 62, "f": 0.5, "n": nil, "t": true, "u": int64(7)}},
		{map[string]any{"e": 1e21}, `{"e":1e+21}`, map[string]any{"e": 1e21}},
		{map[string]string{"k": "v"}, `{"k":"v"}`, map[string]any{"k": "v"}},
	}
	for _, tt := range tests {
		b, err := encodeJSON(tt.in)
		if err != nil {
			t.Fatalf("encodeJSON(%v): %v", tt.in, err)
		}
		if string(b) != tt.want {
			t.Errorf("encodeJSON(%v) = %s, want %s", tt.in, b, tt.want)
		}
		got, err := decodeJSON(b)
		if err != nil || !reflect.DeepEqual(got, tt.decoded) {
			t.Errorf("decodeJSON(%s) = %#v, %v; want %#v", b, got, err, tt.decoded)
		}
	}
	for _, bad := range []string{``, `{`, `{} {}`, `[1,]`, `1E700`, `{"a":[-1e999]}`} {
		if _, err := decodeJSON([]byte(bad)); err == nil {
			t.Errorf("decodeJSON(%q) succeeded", bad)
		}
	}
	if got, _ := decodeJSON([]byte(`99999999999999999999`)); got != 1e20 {
		t.Errorf("overflowing integer = %#v, want float64", got)
	}
}

func TestSplitTaskKey(t *testing.T) {
	tests := []struct {
		in   string
		name string
		task int
		ok   bool
	}{
		{"orders-0", "orders", 0, true},
		{"a-b-c-12", "a-b-c", 12, true},
		{"a/b c-é-3", "a/b c-é", 3, true},
		{"-1", "", 0, false},
		{"orders", "", 0, false},
		{"orders-x", "", 0, false},
		{"orders--1", "orders-", 1, true}, // a connector named "orders-", as Java splits it
	}
	for _, tt := range tests {
		name, task, ok := splitTaskKey(tt.in)
		if name != tt.name || task != tt.task || ok != tt.ok {
			t.Errorf("splitTaskKey(%q) = %q, %d, %v", tt.in, name, task, ok)
		}
	}
}

// Decoding then encoding reaches a fixed point: one value, one canonical form.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`["src",{"filename":"/tmp/x"}]`, `{"a":1.0,"b":[1,2.5,"x"],"c":null}`, `1e3`, `"\u2028<"`, `{"b":1,"a":{"d":true,"c":false}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := decodeJSON(in)
		if err != nil {
			return
		}
		once := appendJSON(nil, v)
		v2, err := decodeJSON(once)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", once, err)
		}
		if twice := appendJSON(nil, v2); !bytes.Equal(once, twice) {
			t.Fatalf("not canonical: %s then %s", once, twice)
		}
	})
}

// A task key splits back into the connector name and task it was made from, for any
// name (names may hold '-', '/', spaces, unicode).
func FuzzSplitTaskKey(f *testing.F) {
	for _, s := range []string{"orders", "a-b", "-", "a/b c-é", "x-1"} {
		f.Add(s, uint16(3))
	}
	f.Fuzz(func(t *testing.T, name string, task uint16) {
		if name == "" {
			return
		}
		key := taskStatusKey(name, int32(task))
		n, tk, ok := splitTaskKey(key[len(taskStatusPrefix):])
		if !ok || n != name || tk != int(task) {
			t.Fatalf("splitTaskKey(%q) = %q, %d, %v", key, n, tk, ok)
		}
	})
}
