package api

import (
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/connectd/connectd/messages"
)

func TestCodeOf(t *testing.T) {
	notFound := Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, "Connector %s not found", "a")
	tests := []struct {
		name string
		err  error
		want messages.ErrorCode
	}{
		{"an *Error", notFound, messages.ErrorCode_ERROR_CODE_NOT_FOUND},
		{"wrapped", fmt.Errorf("context: %w", notFound), messages.ErrorCode_ERROR_CODE_NOT_FOUND},
		{"plain", errors.New("boom"), messages.ErrorCode_ERROR_CODE_INTERNAL},
	}
	for _, tt := range tests {
		if got := CodeOf(tt.err); got != tt.want {
			t.Errorf("%s: CodeOf = %v, want %v", tt.name, got, tt.want)
		}
	}
	if notFound.Error() != "Connector a not found" {
		t.Errorf("message %q", notFound.Error())
	}
}

// spec §1.3: the stage summary is Kafka Connect's Stage.summarize().
func TestStageSummary(t *testing.T) {
	var s Stage
	if got := s.Summary(); got != "" {
		t.Errorf("zero Stage: %q", got)
	}
	s.Enter("reading the config topic to its end")
	re := regexp.MustCompile(`^The worker is currently reading the config topic to its end, which began at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\.$`)
	if got := s.Summary(); !re.MatchString(got) {
		t.Errorf("summary %q", got)
	}
}
