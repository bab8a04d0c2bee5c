package metrics

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"
	"time"
)

// TestDashboardQueriesServedMetrics: every metric the shipped Grafana dashboard queries is
// one a worker serves, so no panel stays empty for a name connectd does not have.
func TestDashboardQueriesServedMetrics(t *testing.T) {
	b, err := os.ReadFile("grafana/connectd.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard is not JSON: %v", err)
	}

	// A worker with a source and a sink task serves every family.
	m := New(Config{})
	m.Connector("c").SetInfo("k", "source", "1")
	m.StartTask("c", 0).SetKind(SourceKind)
	m.StartTask("c", 1).SetKind(SinkKind)
	m.RebalanceStarted()
	m.RebalanceCompleted(1, time.Millisecond)
	m.Task("c", 0).Polled(1, time.Millisecond)
	fams := gather(t, m)

	name := regexp.MustCompile(`\b(?:kafka_connect|go|process)_[a-z0-9_]+`)
	queried := 0
	check := func(where, expr string) {
		for _, n := range name.FindAllString(expr, -1) {
			queried++
			if _, ok := fams[n]; !ok {
				t.Errorf("%s queries %s, which connectd does not serve", where, n)
			}
		}
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			check("panel "+p.Title, tg.Expr)
		}
	}
	for _, v := range dash.Templating.List {
		check("variable", v.Definition)
	}
	if queried < 30 {
		t.Errorf("the dashboard queries %d metrics; it should show every group", queried)
	}
}
