package validation

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/builtin"
)

// eosSource is a source connector that answers the exactly-once questions as told; a nil
// answer func means it does not implement that optional interface.
type eosSource struct {
	connectors.SourceConnector
	support    func() (connectors.ExactlyOnceSupport, error)
	boundaries func() (connectors.TransactionBoundaries, error)
}

type eosSupporter struct{ eosSource }

func (c eosSupporter) ExactlyOnceSupport(map[string]string) (connectors.ExactlyOnceSupport, error) {
	return c.support()
}

func (c eosSupporter) CanDefineTransactionBoundaries(map[string]string) (connectors.TransactionBoundaries, error) {
	return c.boundaries()
}

// TestExactlyOnceValidation ports ExactlyOnceSourceIntegrationTest.testPreflightValidation and
// DistributedHerder's validateSourceConnectorExactlyOnceSupport/TransactionBoundary: the
// texts on exactly.once.support and transaction.boundary, per worker mode and plugin answer.
func TestExactlyOnceValidation(t *testing.T) {
	const cls = "test.EosSource"
	answer := func(s connectors.ExactlyOnceSupport, err error) func() (connectors.ExactlyOnceSupport, error) {
		return func() (connectors.ExactlyOnceSupport, error) { return s, err }
	}
	bound := func(b connectors.TransactionBoundaries, err error) func() (connectors.TransactionBoundaries, error) {
		return func() (connectors.TransactionBoundaries, error) { return b, err }
	}
	tests := []struct {
		name       string
		opt        []Option // none: standalone
		plugin     connectors.Connector
		config     map[string]string
		key        string
		wantErrors []string
	}{
		{"standalone has no checks", nil, &eosSource{}, map[string]string{"exactly.once.support": "required"}, "exactly.once.support", nil},
		{"requested is never checked", []Option{WithExactlyOnceSource(false)}, &eosSource{}, map[string]string{"exactly.once.support": "requested"}, "exactly.once.support", nil},
		{"required on a disabled worker, undeclared plugin", []Option{WithExactlyOnceSource(false)}, &eosSource{},
			map[string]string{"exactly.once.support": "REQUIRED"}, "exactly.once.support", []string{msgEOSWorkerDisabled, msgEOSUndeclared}},
		{"required, plugin undeclared", []Option{WithExactlyOnceSource(true)}, &eosSource{},
			map[string]string{"exactly.once.support": "required"}, "exactly.once.support", []string{msgEOSUndeclared}},
		{"required, plugin answers null", []Option{WithExactlyOnceSource(true)}, eosSupporter{eosSource{support: answer(connectors.ExactlyOnceUndeclared, nil)}},
			map[string]string{"exactly.once.support": "required"}, "exactly.once.support", []string{msgEOSUndeclared}},
		{"required, unsupported", []Option{WithExactlyOnceSource(true)}, eosSupporter{eosSource{support: answer(connectors.ExactlyOnceUnsupported, nil)}},
			map[string]string{"exactly.once.support": "required"}, "exactly.once.support", []string{msgEOSUnsupported}},
		{"required, supported", []Option{WithExactlyOnceSource(true)}, eosSupporter{eosSource{support: answer(connectors.ExactlyOnceSupported, nil)}},
			map[string]string{"exactly.once.support": "required"}, "exactly.once.support", nil},
		{"required, plugin fails", []Option{WithExactlyOnceSource(true)}, eosSupporter{eosSource{support: answer(0, errors.New(" boom "))}},
			map[string]string{"exactly.once.support": "required"}, "exactly.once.support", []string{"An unexpected error occurred during validation: boom"}},
		{"required, plugin panics", []Option{WithExactlyOnceSource(true)}, eosSupporter{eosSource{support: func() (connectors.ExactlyOnceSupport, error) { panic("bad") }}},
			map[string]string{"exactly.once.support": "required"}, "exactly.once.support", []string{"An unexpected error occurred during validation: bad"}},
		{"invalid value is only the value's error", []Option{WithExactlyOnceSource(true)}, &eosSource{},
			map[string]string{"exactly.once.support": "always"}, "exactly.once.support",
			[]string{"Invalid value always for configuration exactly.once.support: String must be one of (case insensitive): REQUESTED, REQUIRED"}},
		{"connector boundaries, undeclared plugin", []Option{WithExactlyOnceSource(false)}, &eosSource{},
			map[string]string{"transaction.boundary": "connector"}, "transaction.boundary", []string{msgBoundariesUnsupported}},
		{"connector boundaries, null", []Option{WithExactlyOnceSource(true)}, eosSupporter{eosSource{boundaries: bound(connectors.TransactionBoundariesUndeclared, nil)}},
			map[string]string{"transaction.boundary": "connector"}, "transaction.boundary", []string{msgBoundariesUndeclared}},
		{"connector boundaries, fails", []Option{WithExactlyOnceSource(true)}, eosSupporter{eosSource{boundaries: bound(0, errors.New(""))}},
			map[string]string{"transaction.boundary": "connector"}, "transaction.boundary", []string{msgValidationFailedNoDetail}},
		{"connector boundaries, supported", []Option{WithExactlyOnceSource(true)}, eosSupporter{eosSource{boundaries: bound(connectors.TransactionBoundariesSupported, nil)}},
			map[string]string{"transaction.boundary": "connector"}, "transaction.boundary", nil},
		{"connector boundaries, unsupported", []Option{WithExactlyOnceSource(true)}, eosSupporter{eosSource{boundaries: bound(connectors.TransactionBoundariesUnsupported, nil)}},
			map[string]string{"transaction.boundary": "connector"}, "transaction.boundary", []string{msgBoundariesUnsupported}},
		{"interval boundary", []Option{WithExactlyOnceSource(true)}, &eosSource{},
			map[string]string{"transaction.boundary": "interval", "transaction.boundary.interval.ms": "10"}, "transaction.boundary", nil},
		{"negative interval", []Option{WithExactlyOnceSource(true)}, &eosSource{},
			map[string]string{"transaction.boundary.interval.ms": "-1"}, "transaction.boundary.interval.ms",
			[]string{"Invalid value -1 for configuration transaction.boundary.interval.ms: Value must be at least 0"}},
		{"empty offsets topic", []Option{WithExactlyOnceSource(true)}, &eosSource{},
			map[string]string{"offsets.storage.topic": ""}, "offsets.storage.topic",
			[]string{"Invalid value  for configuration offsets.storage.topic: String must be non-empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := builtin.Registry()
			file, _, err := reg.NewConnector(fileSource)
			if err != nil {
				t.Fatal(err)
			}
			plugin := tt.plugin
			switch p := plugin.(type) {
			case *eosSource:
				p.SourceConnector = file.(connectors.SourceConnector)
			case eosSupporter:
				p.SourceConnector = file.(connectors.SourceConnector)
				if p.support == nil {
					p.support = answer(connectors.ExactlyOnceSupported, nil)
				}
				if p.boundaries == nil {
					p.boundaries = bound(connectors.TransactionBoundariesUnsupported, nil)
				}
				plugin = p
			}
			reg.Register(connectors.Plugin{Class: cls, Type: connectors.Source, Version: "1", New: func() any { return plugin }})
			vd := New(reg, WorkerConverters{}, tt.opt...)
			config := map[string]string{"name": "c", "connector.class": cls, "topic": "t", "file": "f"}
			for k, v := range tt.config {
				config[k] = v
			}
			infos, err := vd.ForEndpoint(config, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range infos.Configs {
				if c.GetValue().GetName() == tt.key {
					got = c.GetValue().GetErrors()
				}
			}
			if !slices.Equal(got, tt.wantErrors) && !(len(got) == 0 && len(tt.wantErrors) == 0) {
				t.Errorf("errors on %s = %q, want %q", tt.key, got, tt.wantErrors)
			}
			if int(infos.ErrorCount) != len(tt.wantErrors) {
				t.Errorf("error_count %d, want %d", infos.ErrorCount, len(tt.wantErrors))
			}
		})
	}
}

// TestFileStreamExactlyOnce: FileStreamSourceConnector supports exactly-once with a file and
// not with stdin, as Kafka's, so required passes or fails validation accordingly.
func TestFileStreamExactlyOnce(t *testing.T) {
	vd := New(builtin.Registry(), WorkerConverters{}, WithExactlyOnceSource(true))
	for file, want := range map[string]int32{"in.txt": 0, "": 1} {
		infos, err := vd.ForEndpoint(map[string]string{"name": "c", "connector.class": fileSource, "topic": "t", "file": file, "exactly.once.support": "required"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if infos.ErrorCount != want {
			t.Errorf("file %q: error_count %d, want %d", file, infos.ErrorCount, want)
		}
	}
	if err := vd.ForWrite(map[string]string{"name": "c", "connector.class": fileSource, "topic": "t", "exactly.once.support": "required"}); err == nil ||
		!strings.Contains(err.Error(), msgEOSUnsupported) {
		t.Errorf("create with stdin and required: %v, want the unsupported message", err)
	}
}
