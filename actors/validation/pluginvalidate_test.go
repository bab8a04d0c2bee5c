package validation

import (
	"errors"
	"testing"
	"time"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/builtin"
	"github.com/connectd/connectd/messages"
)

// hangingConnector is a source connector whose own validate() blocks until release closes,
// as a plugin waiting on a database that does not answer.
type hangingConnector struct {
	connectors.SourceConnector
	release chan struct{}
}

func (h hangingConnector) ValidateConfig(map[string]string) []connectors.ConfigValue {
	<-h.release
	return nil
}

// A validate() that hangs is answered with Kafka Connect's "Request timed out" once the
// plugin timeout passes, and validations of other connectors meanwhile are not held up.
func TestHangingValidateTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	reg := builtin.Registry()
	file, _, err := reg.NewConnector("FileStreamSource")
	if err != nil {
		t.Fatal(err)
	}
	reg.Register(connectors.Plugin{Class: "com.example.HangingSourceConnector", Type: connectors.Source, Version: "1",
		New: func() any {
			return hangingConnector{SourceConnector: file.(connectors.SourceConnector), release: release}
		}})
	vd := New(reg, WorkerConverters{}, WithPluginTimeout(200*time.Millisecond))

	hung := make(chan error, 1)
	go func() {
		_, err := vd.ForEndpoint(map[string]string{"connector.class": "HangingSource", "name": "h", "topic": "t", "file": "f"}, nil)
		hung <- err
	}()
	// Another connector validates at once while the first one hangs.
	infos, err := vd.ForEndpoint(map[string]string{"connector.class": "FileStreamSource", "name": "f", "topic": "t", "file": "f"}, nil)
	if err != nil || infos.GetErrorCount() != 0 {
		t.Fatalf("validation beside a hanging one: %v, %d errors", err, infos.GetErrorCount())
	}
	select {
	case err := <-hung:
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Code != messages.ErrorCode_ERROR_CODE_TIMEOUT || ae.Message != "Request timed out" {
			t.Fatalf("hanging validate: %v, want TIMEOUT Request timed out", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a hanging validate() was not answered")
	}
}
