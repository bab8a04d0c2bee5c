package connectors

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

type nopConnector struct{}

func (nopConnector) Version() string                                      { return "1" }
func (nopConnector) Config() ConfigDef                                    { return nil }
func (nopConnector) Start(ConnectorContext, map[string]string) error      { return nil }
func (nopConnector) TaskConfigs(int) ([]map[string]string, error)         { return nil, nil }
func (nopConnector) Stop() error                                          { return nil }
func (nopConnector) NewTask() SourceTask                                  { return nopTask{} }
func (nopTask) Start(SourceTaskContext, map[string]string) error          { return nil }
func (nopTask) Poll(context.Context) ([]SourceRecord, error)              { return nil, nil }
func (nopTask) Stop() error                                               { return nil }
func (nopConverter) Config() ConfigDef                                    { return nil }
func (nopConverter) Configure(map[string]string, bool) error              { return nil }
func (nopConverter) FromConnectData(string, *Schema, any) ([]byte, error) { return nil, nil }
func (nopConverter) ToConnectData(string, []byte) (*Schema, any, error)   { return nil, nil, nil }

type nopTask struct{}
type nopConverter struct{}

func newConn() any      { return nopConnector{} }
func newConverter() any { return nopConverter{} }

func testRegistry() *Registry {
	var r Registry
	r.Register(Plugin{Class: "org.apache.kafka.connect.file.FileStreamSourceConnector", Type: Source, New: newConn})
	r.Register(Plugin{Class: "org.apache.kafka.connect.file.FileStreamSinkConnector", Type: Sink, New: newConn})
	r.Register(Plugin{Class: "org.apache.kafka.connect.json.JsonConverter", Type: ConverterType, New: newConverter})
	r.Register(Plugin{Class: "org.apache.kafka.connect.storage.StringConverter", Type: ConverterType, New: newConverter})
	r.Register(Plugin{Class: "org.apache.kafka.connect.storage.StringConverter", Type: HeaderConverterType, New: newConverter})
	r.Register(Plugin{Class: "org.apache.kafka.connect.transforms.Cast$Value", Type: TransformationType, New: newConn})
	r.Register(Plugin{Class: "org.apache.kafka.connect.transforms.ExtractField$Value", Type: TransformationType, New: newConn})
	r.Register(Plugin{Class: "org.apache.kafka.connect.transforms.predicates.HasHeaderKey", Type: PredicateType, New: newConn})
	r.Register(Plugin{Class: "a.Sink", Type: Sink, New: newConn})
	r.Register(Plugin{Class: "b.Sink", Type: Sink, New: newConn})
	return &r
}

// spec §9.6: FQCN, simple name, simple name without the kind's suffix; ambiguous aliases dropped.
func TestLookup(t *testing.T) {
	r := testRegistry()
	tests := []struct {
		name      string
		wantClass string
	}{
		{"org.apache.kafka.connect.file.FileStreamSinkConnector", "org.apache.kafka.connect.file.FileStreamSinkConnector"},
		{"FileStreamSinkConnector", "org.apache.kafka.connect.file.FileStreamSinkConnector"},
		{"FileStreamSink", "org.apache.kafka.connect.file.FileStreamSinkConnector"},
		{"FileStreamSource", "org.apache.kafka.connect.file.FileStreamSourceConnector"},
		{"JsonConverter", "org.apache.kafka.connect.json.JsonConverter"},
		{"Json", "org.apache.kafka.connect.json.JsonConverter"},
		{"String", "org.apache.kafka.connect.storage.StringConverter"},
		{"HasHeaderKey", "org.apache.kafka.connect.transforms.predicates.HasHeaderKey"},
		{"a.Sink", "a.Sink"},
		{"Sink", ""},  // claimed by a.Sink and b.Sink
		{"Value", ""}, // Cast$Value and ExtractField$Value
		{"filestreamsink", ""},
		{"FileStream", ""},
		{"", ""},
	}
	for _, tt := range tests {
		p, ok := r.Lookup(tt.name)
		if ok != (tt.wantClass != "") || p.Class != tt.wantClass {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.name, p.Class, ok, tt.wantClass)
		}
	}
}

func TestAliases(t *testing.T) {
	tests := []struct {
		class string
		typ   PluginType
		want  []string
	}{
		{"org.apache.kafka.connect.file.FileStreamSinkConnector", Sink, []string{"FileStreamSinkConnector", "FileStreamSink"}},
		{"x.SimpleHeaderConverter", HeaderConverterType, []string{"SimpleHeaderConverter", "Simple"}},
		{"x.StringConverter", HeaderConverterType, []string{"StringConverter"}},
		{"x.Filter", TransformationType, []string{"Filter"}},
		{"x.ConnectorLike", Source, []string{"ConnectorLike"}},
		{"NoPackageConnector", Source, []string{"NoPackage"}},
	}
	for _, tt := range tests {
		if got := aliases(tt.class, tt.typ); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("aliases(%q, %s) = %q, want %q", tt.class, tt.typ, got, tt.want)
		}
	}
}

// spec §3.22 order.
func TestPluginsOrder(t *testing.T) {
	r := testRegistry()
	var got []string
	for _, p := range r.Plugins() {
		got = append(got, string(p.Type)+" "+p.Class)
	}
	want := []string{
		"sink a.Sink",
		"sink b.Sink",
		"sink org.apache.kafka.connect.file.FileStreamSinkConnector",
		"source org.apache.kafka.connect.file.FileStreamSourceConnector",
		"transformation org.apache.kafka.connect.transforms.Cast$Value",
		"transformation org.apache.kafka.connect.transforms.ExtractField$Value",
		"predicate org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
		"converter org.apache.kafka.connect.json.JsonConverter",
		"converter org.apache.kafka.connect.storage.StringConverter",
		"header_converter org.apache.kafka.connect.storage.StringConverter",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Plugins\n got %q\nwant %q", got, want)
	}
	if n := len(r.Connectors()); n != 4 {
		t.Errorf("%d connectors, want 4", n)
	}
	if got := r.ConnectorClassNames(); !reflect.DeepEqual(got, []string{"a.Sink", "b.Sink",
		"org.apache.kafka.connect.file.FileStreamSinkConnector", "org.apache.kafka.connect.file.FileStreamSourceConnector"}) {
		t.Errorf("ConnectorClassNames = %q", got)
	}
}

func TestNewConnectorAndConverter(t *testing.T) {
	r := testRegistry()
	c, p, err := r.NewConnector("FileStreamSource")
	if err != nil || c == nil || p.Type != Source {
		t.Fatalf("NewConnector = %v, %+v, %v", c, p, err)
	}
	_, _, err = r.NewConnector("JsonConverter")
	if !errors.Is(err, ErrUnknownPlugin) {
		t.Fatalf("converter as connector: err = %v", err)
	}
	want := "Failed to find any class that implements Connector and which name matches JsonConverter, available connectors are: a.Sink, b.Sink, "
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %q", err)
	}
	if _, err := r.NewConverter("Json"); err != nil {
		t.Errorf("NewConverter(Json): %v", err)
	}
	if _, err := r.NewConverter("FileStreamSink"); !errors.Is(err, ErrUnknownPlugin) {
		t.Errorf("NewConverter(FileStreamSink): %v", err)
	}
}

func TestRegisterPanics(t *testing.T) {
	tests := []struct {
		name string
		p    Plugin
	}{
		{"duplicate", Plugin{Class: "org.apache.kafka.connect.json.JsonConverter", Type: ConverterType, New: newConverter}},
		{"no class", Plugin{Type: Sink, New: newConn}},
		{"no factory", Plugin{Class: "x.Y", Type: Sink}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRegistry()
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			r.Register(tt.p)
		})
	}
}

func TestZeroRegistry(t *testing.T) {
	var r Registry
	if _, ok := r.Lookup("x"); ok {
		t.Error("empty registry found x")
	}
	if len(r.Plugins()) != 0 || len(r.ConnectorClassNames()) != 0 {
		t.Error("empty registry lists plugins")
	}
	if _, _, err := r.NewConnector("x"); !errors.Is(err, ErrUnknownPlugin) {
		t.Errorf("err = %v", err)
	}
}

func TestVersions(t *testing.T) {
	r := testRegistry()
	// A Java plugin with a built-in's class: both listed, the first registered the default.
	r.Register(Plugin{Class: "org.apache.kafka.connect.file.FileStreamSourceConnector", Type: Source, Version: "4.3.1", New: newConn})
	r.Register(Plugin{Class: "org.apache.kafka.connect.file.FileStreamSourceConnector", Type: Source, Version: "4.4.0", New: newConn})
	if p, ok := r.LookupKind("FileStreamSource", Source); !ok || p.Version != "" {
		t.Errorf("default = %+v, %v; want the first registration", p, ok)
	}
	p, _, ok := r.LookupVersion("FileStreamSourceConnector", "4.3.1", IsConnector)
	if !ok || p.Version != "4.3.1" || p.Class != "org.apache.kafka.connect.file.FileStreamSourceConnector" {
		t.Errorf("LookupVersion(4.3.1) = %+v, %v", p, ok)
	}
	if p, _, ok := r.LookupVersion("FileStreamSource", "", IsConnector); !ok || p.Version != "" {
		t.Errorf("LookupVersion(\"\") = %+v, %v; want the default", p, ok)
	}
	_, versions, ok := r.LookupVersion("FileStreamSource", "9.9", IsConnector)
	if ok || !reflect.DeepEqual(versions, []string{"", "4.3.1", "4.4.0"}) {
		t.Errorf("LookupVersion(9.9) = %v, %q", ok, versions)
	}
	if _, _, ok := r.LookupVersion("FileStreamSource", "4.3.1", func(k PluginType) bool { return k == Sink }); ok {
		t.Error("a version of another kind")
	}
	var got []string
	for _, p := range r.Connectors() {
		if strings.HasSuffix(p.Class, "FileStreamSourceConnector") {
			got = append(got, p.Version)
		}
	}
	if !reflect.DeepEqual(got, []string{"", "4.3.1", "4.4.0"}) {
		t.Errorf("listed versions = %q, want every version, the default first", got)
	}
	if names := r.ConnectorClassNames(); len(names) != 4 {
		t.Errorf("ConnectorClassNames = %q: one name per class", names)
	}
	defer func() {
		if recover() == nil {
			t.Error("the same class, kind and version twice did not panic")
		}
	}()
	r.Register(Plugin{Class: "org.apache.kafka.connect.file.FileStreamSourceConnector", Type: Source, Version: "4.3.1", New: newConn})
}

// connector.plugin.version (KIP-891): "" is the default (first registered) version, a version
// or range the newest installed version in it; a class that cannot run here says why.
func TestSelectPlugin(t *testing.T) {
	const fs = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	var r Registry
	r.Register(Plugin{Class: fs, Type: Source, Version: "4.4.0", New: newConn})
	r.Register(Plugin{Class: fs, Type: Source, Version: "4.3.1", New: newConn})
	r.Register(Plugin{Class: fs, Type: Source, Version: "3.9.0", New: newConn})
	r.MarkUnavailable("com.example.JdbcSourceConnector", Source, errors.New("needs Java 17"))
	tests := []struct {
		name, spec  string
		wantVersion string
		wantErr     error
		wantText    string
	}{
		{"FileStreamSource", "", "4.4.0", nil, ""},
		{fs, "4.3.1", "4.3.1", nil, ""},
		{"FileStreamSourceConnector", "[3.0,4.4)", "4.3.1", nil, ""},
		{fs, "[3.0,)", "4.4.0", nil, ""},
		{fs, "(,4.0)", "3.9.0", nil, ""},
		{fs, "5.0.0", "", ErrNoSuchVersion,
			"Plugin " + fs + " not found that matches the version range [5.0.0,5.0.0], available versions: [4.4.0, 4.3.1, 3.9.0]"},
		{fs, "[1.0", "", ErrNoSuchVersion, "Invalid value [1.0 for configuration connector.plugin.version: invalid version range [1.0"},
		{"Nope", "", "", ErrUnknownPlugin, ""},
		{"Nope", "1.0", "", ErrUnknownPlugin, ""},
		{"JdbcSource", "", "", ErrPluginUnavailable, "needs Java 17"},
		{"com.example.JdbcSourceConnector", "1.0", "", ErrPluginUnavailable, "needs Java 17"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"@"+tt.spec, func(t *testing.T) {
			p, err := r.SelectPlugin(tt.name, tt.spec)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || (tt.wantText != "" && err.Error() != tt.wantText) {
					t.Fatalf("err = %v, want %v %q", err, tt.wantErr, tt.wantText)
				}
				_, _, cerr := r.SelectConnector(tt.name, tt.spec)
				if !errors.Is(cerr, tt.wantErr) {
					t.Errorf("SelectConnector err = %v, want %v", cerr, tt.wantErr)
				}
				return
			}
			if err != nil || p.Version != tt.wantVersion {
				t.Fatalf("got %s %v, want version %s", p.Version, err, tt.wantVersion)
			}
			if _, cp, err := r.SelectConnector(tt.name, tt.spec); err != nil || cp.Version != tt.wantVersion {
				t.Errorf("SelectConnector = %s %v, want %s", cp.Version, err, tt.wantVersion)
			}
		})
	}
}
