package connectors

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestEnumStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{Boolean.String(), "BOOLEAN"}, {String.String(), "STRING"}, {Int.String(), "INT"},
		{Short.String(), "SHORT"}, {Long.String(), "LONG"}, {Double.String(), "DOUBLE"},
		{List.String(), "LIST"}, {Class.String(), "CLASS"}, {Password.String(), "PASSWORD"},
		{High.String(), "HIGH"}, {Medium.String(), "MEDIUM"}, {Low.String(), "LOW"},
		{WidthNone.String(), "NONE"}, {WidthShort.String(), "SHORT"},
		{WidthMedium.String(), "MEDIUM"}, {WidthLong.String(), "LONG"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

var testDef = ConfigDef{
	{Name: "topic", Type: String, Required: true, Validator: NonEmpty(), Importance: High},
	{Name: "batch.size", Type: Int, Default: "2000", Validator: AtLeast(1), Importance: Low},
	{Name: "file", Type: String, Importance: High},
	{Name: "enabled", Type: Boolean, Default: "true"},
	{Name: "ratio", Type: Double, Default: "0.5"},
	{Name: "max.ms", Type: Long, Default: "60000"},
	{Name: "small", Type: Short, Default: "7"},
	{Name: "hosts", Type: List, Default: "a, b"},
	{Name: "secret", Type: Password, Default: "s3"},
	{Name: "klass", Type: Class, Default: "org.Foo"},
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		props   map[string]string
		check   func(t *testing.T, v Values)
		wantErr string
	}{
		{
			name:  "defaults",
			props: map[string]string{"topic": "t"},
			check: func(t *testing.T, v Values) {
				if v.String("topic") != "t" || v.Int("batch.size") != 2000 || !v.Bool("enabled") ||
					v.Double("ratio") != 0.5 || v.Long("max.ms") != 60000 || v.Int("small") != 7 ||
					!reflect.DeepEqual(v.List("hosts"), []string{"a", "b"}) || v.String("secret") != "s3" ||
					v.String("klass") != "org.Foo" {
					t.Errorf("values %v", v)
				}
				if v.Has("file") || v.String("file") != "" {
					t.Errorf("file: Has %v, String %q", v.Has("file"), v.String("file"))
				}
				if !v.Has("topic") {
					t.Error("Has(topic) false")
				}
			},
		},
		{
			name:  "values are trimmed and typed",
			props: map[string]string{"topic": " t ", "batch.size": " 5", "enabled": "FALSE", "hosts": " x ,y,, z ", "ratio": "2"},
			check: func(t *testing.T, v Values) {
				if v.String("topic") != "t" || v.Int("batch.size") != 5 || v.Bool("enabled") || v.Double("ratio") != 2 {
					t.Errorf("values %v", v)
				}
				if got := v.List("hosts"); !reflect.DeepEqual(got, []string{"x", "y", "", "z"}) {
					t.Errorf("hosts %q", got)
				}
				if _, ok := v["batch.size"].(int32); !ok {
					t.Errorf("INT is %T, want int32", v["batch.size"])
				}
			},
		},
		{name: "missing required", props: map[string]string{},
			wantErr: `Missing required configuration "topic" which has no default value.`},
		{name: "not a number", props: map[string]string{"topic": "t", "batch.size": "abc"},
			wantErr: "Invalid value abc for configuration batch.size: Not a number of type INT"},
		{name: "int overflow", props: map[string]string{"topic": "t", "batch.size": "3000000000"},
			wantErr: "Invalid value 3000000000 for configuration batch.size: Not a number of type INT"},
		{name: "validator", props: map[string]string{"topic": "t", "batch.size": "0"},
			wantErr: "Invalid value 0 for configuration batch.size: Value must be at least 1"},
		{name: "blank topic", props: map[string]string{"topic": "   "},
			wantErr: "Invalid value  for configuration topic: String must be non-empty"},
		{name: "boolean", props: map[string]string{"topic": "t", "enabled": "yes"},
			wantErr: "Invalid value yes for configuration enabled: Expected value to be either true or false"},
		{name: "double", props: map[string]string{"topic": "t", "ratio": "x1"},
			wantErr: "Invalid value x1 for configuration ratio: Not a number of type DOUBLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := testDef.Parse(tt.props)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if !errors.Is(err, ErrInvalidConfig) {
					t.Errorf("err does not wrap ErrInvalidConfig")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, v)
		})
	}
}

func TestPasswordValueHidesSecret(t *testing.T) {
	v, err := testDef.Parse(map[string]string{"topic": "t", "secret": "hunter2"})
	if err != nil {
		t.Fatal(err)
	}
	if got := JavaString(v["secret"]); got != "[hidden]" {
		t.Errorf("rendered %q", got)
	}
	if v.String("secret") != "hunter2" {
		t.Errorf("String = %q", v.String("secret"))
	}
}

func strp(s string) *string { return &s }

// spec §7: every message counts, the validator also sees a missing or unparsable value.
func TestValidate(t *testing.T) {
	def := ConfigDef{
		{Name: "name", Type: String, Required: true, Validator: NonEmptyNoControl()},
		{Name: "tasks.max", Type: Int, Default: "1", Validator: AtLeast(1)},
		{Name: "hosts", Type: List, Default: ""},
		{Name: "secret", Type: Password},
		{Name: "mode", Type: String, Default: "a", Validator: OneOf("a", "b"), Recommended: []string{"a", "b"}},
		{Name: "ratio", Type: Double, Default: "1"},
	}
	tests := []struct {
		name       string
		props      map[string]string
		wantValues map[string]*string
		wantErrs   map[string][]string
	}{
		{
			name:       "missing name",
			props:      map[string]string{},
			wantValues: map[string]*string{"name": nil, "tasks.max": strp("1"), "hosts": strp(""), "secret": nil, "mode": strp("a"), "ratio": strp("1.0")},
			wantErrs:   map[string][]string{"name": {`Missing required configuration "name" which has no default value.`}},
		},
		{
			name:  "every error",
			props: map[string]string{"name": "a\nb\tc", "tasks.max": "x", "hosts": "p , q", "secret": "pw", "mode": "c", "ratio": "2.5"},
			wantValues: map[string]*string{"name": strp("a\nb\tc"), "tasks.max": nil, "hosts": strp("p,q"), "secret": strp("[hidden]"),
				"mode": strp("c"), "ratio": strp("2.5")},
			wantErrs: map[string][]string{
				"name": {"Invalid value a\nb\tc for configuration name: String may not contain control sequences but had the following ASCII chars: 10, 9"},
				"tasks.max": {"Invalid value x for configuration tasks.max: Not a number of type INT",
					"Invalid value null for configuration tasks.max: Value must be non-null"},
				"mode": {"Invalid value c for configuration mode: String must be one of: a, b"},
			},
		},
		{
			name:       "empty name",
			props:      map[string]string{"name": "", "tasks.max": "0"},
			wantValues: map[string]*string{"name": strp(""), "tasks.max": strp("0"), "hosts": strp(""), "secret": nil, "mode": strp("a"), "ratio": strp("1.0")},
			wantErrs: map[string][]string{
				"name":      {"Invalid value  for configuration name: String may not be empty"},
				"tasks.max": {"Invalid value 0 for configuration tasks.max: Value must be at least 1"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := def.Validate(tt.props)
			if len(got) != len(def) {
				t.Fatalf("%d values for %d keys", len(got), len(def))
			}
			total := 0
			for i, cv := range got {
				if cv.Name != def[i].Name {
					t.Errorf("value %d is %q, want %q (definition order)", i, cv.Name, def[i].Name)
				}
				if !cv.Visible {
					t.Errorf("%s not visible", cv.Name)
				}
				if want := tt.wantValues[cv.Name]; !reflect.DeepEqual(cv.Value, want) {
					t.Errorf("%s value = %v, want %v", cv.Name, deref(cv.Value), deref(want))
				}
				want := tt.wantErrs[cv.Name]
				if want == nil {
					want = []string{}
				}
				if !reflect.DeepEqual(cv.Errors, want) {
					t.Errorf("%s errors = %q, want %q", cv.Name, cv.Errors, want)
				}
				total += len(want)
			}
			if n := ErrorCount(got); n != total {
				t.Errorf("ErrorCount = %d, want %d", n, total)
			}
		})
	}
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// spec §2.2: ConfigKeyInfo rendering.
func TestInfos(t *testing.T) {
	def := ConfigDef{
		{Name: "plain", Type: String, Doc: "d", Importance: High},
		{Name: "g1", Type: Int, Default: "5", Group: "Common", Width: WidthMedium, DisplayName: "G one", Dependents: []string{"g2"}},
		{Name: "other", Type: Boolean, Default: "TRUE", Group: "Other", Importance: Low},
		{Name: "g2", Type: List, Default: []string{"a", "b"}, Group: "Common"},
		{Name: "explicit", Type: Double, Default: "3", Group: "Common", Order: 9},
		{Name: "pw", Type: Password, Default: "x"},
		{Name: "req", Type: Long, Required: true, Default: "7"},
		{Name: "encoding", Type: String, Default: "UTF-8", Width: WidthMedium, DisplayName: "Encoding"},
	}
	got := def.Infos()
	js, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `[` +
		`{"name":"plain","type":"STRING","required":false,"default_value":null,"importance":"HIGH","documentation":"d","group":null,"width":"NONE","display_name":"plain","dependents":[],"order":-1},` +
		`{"name":"g1","type":"INT","required":false,"default_value":"5","importance":"HIGH","documentation":"","group":"Common","width":"MEDIUM","display_name":"G one","dependents":["g2"],"order":1},` +
		`{"name":"other","type":"BOOLEAN","required":false,"default_value":"true","importance":"LOW","documentation":"","group":"Other","width":"NONE","display_name":"other","dependents":[],"order":1},` +
		`{"name":"g2","type":"LIST","required":false,"default_value":"a,b","importance":"HIGH","documentation":"","group":"Common","width":"NONE","display_name":"g2","dependents":[],"order":2},` +
		`{"name":"explicit","type":"DOUBLE","required":false,"default_value":"3.0","importance":"HIGH","documentation":"","group":"Common","width":"NONE","display_name":"explicit","dependents":[],"order":9},` +
		`{"name":"pw","type":"PASSWORD","required":false,"default_value":"[hidden]","importance":"HIGH","documentation":"","group":null,"width":"NONE","display_name":"pw","dependents":[],"order":-1},` +
		`{"name":"req","type":"LONG","required":true,"default_value":null,"importance":"HIGH","documentation":"","group":null,"width":"NONE","display_name":"req","dependents":[],"order":-1},` +
		`{"name":"encoding","type":"STRING","required":false,"default_value":"UTF-8","importance":"HIGH","documentation":"","group":null,"width":"MEDIUM","display_name":"Encoding","dependents":[],"order":-1}` +
		`]`
	if string(js) != want {
		t.Errorf("Infos JSON\n got %s\nwant %s", js, want)
	}
}

func TestMerge(t *testing.T) {
	a := ConfigDef{{Name: "x", Doc: "a"}, {Name: "y", Doc: "a"}}
	b := ConfigDef{{Name: "y", Doc: "b"}, {Name: "z", Doc: "b"}}
	got := Merge(a, b, nil)
	var names, docs []string
	for _, k := range got {
		names = append(names, k.Name)
		docs = append(docs, k.Doc)
	}
	if !reflect.DeepEqual(names, []string{"x", "y", "z"}) || !reflect.DeepEqual(docs, []string{"a", "a", "b"}) {
		t.Errorf("Merge = %v %v", names, docs)
	}
}

func TestParseJavaDouble(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		want float64
	}{
		{"1", true, 1}, {"1.5d", true, 1.5}, {"2f", true, 2}, {"-0.25", true, -0.25}, {"1e3", true, 1000},
		{"Infinity", true, inf(1)}, {"-Infinity", true, inf(-1)}, {"1e400", true, inf(1)},
		{"inf", false, 0}, {"nan", false, 0}, {"1_0", false, 0}, {"", false, 0}, {"abc", false, 0}, {"--1", false, 0},
	}
	for _, tt := range tests {
		got, ok := parseJavaDouble(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseJavaDouble(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
