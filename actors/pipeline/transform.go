package pipeline

import "github.com/connectd/connectd/connectors"

// TransformFunc runs a connector's transformation chain on one record; nil, nil drops it.
type TransformFunc func(*connectors.Record) (*connectors.Record, error)

// transformSource applies f to polled records. Dropped records are left out of the result;
// their offsets are still committed by the caller, as Kafka commits filtered records'.
func transformSource(f TransformFunc, records []connectors.SourceRecord) ([]connectors.SourceRecord, error) {
	if f == nil {
		return records, nil
	}
	out := make([]connectors.SourceRecord, 0, len(records))
	for i := range records {
		r, err := f(records[i].Record())
		if err != nil {
			return nil, err
		}
		if r == nil {
			continue
		}
		rec := records[i]
		rec.SetRecord(r)
		out = append(out, rec)
	}
	return out, nil
}

// transformSink applies f to converted records before they are put; dropped records are
// left out, and their offsets are committed with the batch's.
func transformSink(f TransformFunc, records []connectors.SinkRecord) ([]connectors.SinkRecord, error) {
	if f == nil {
		return records, nil
	}
	out := records[:0]
	for i := range records {
		r, err := f(records[i].Record())
		if err != nil {
			return nil, err
		}
		if r == nil {
			continue
		}
		rec := records[i]
		rec.SetRecord(r)
		out = append(out, rec)
	}
	return out, nil
}
