package javaplugin

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

// BenchmarkFileStreamSourceThroughTheHost measures records/s of Apache's FileStream source
// polled through the host: each poll() batch (batch.size lines) crosses the channel once and is
// decoded into connectors.SourceRecords. No Kafka: this is the boundary's cost alone.
//
//	go test -run '^$' -bench FileStreamSourceThroughTheHost -benchtime 5x ./connectors/javaplugin
func BenchmarkFileStreamSourceThroughTheHost(b *testing.B) {
	const lines = 200_000
	h := newTestHost(b, Config{})
	file := filepath.Join(b.TempDir(), "in.txt")
	var sb strings.Builder
	for i := range lines {
		fmt.Fprintf(&sb, "line-%08d some payload to make it a realistic length\n", i)
	}
	if err := os.WriteFile(file, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	ctx := testContext(b)
	conn := h.NewConnector(fileSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
	if _, err := h.Hello(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	total := 0
	for range b.N {
		task := conn.NewTask()
		if err := task.Start(offsetMap{}, map[string]string{"file": file, "topic": "t", "batch.size": "2000"}); err != nil {
			b.Fatal(err)
		}
		for n := 0; n < lines; {
			recs, err := task.Poll(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n += len(recs)
			total += len(recs)
		}
		task.Stop()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "records/s")
}
