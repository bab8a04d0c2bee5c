package javaplugin

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

// A Java task with transaction.boundary=connector asks its TransactionContext in the host;
// its requests cross with the batch of records they concern (SourceBatch.transaction_requests)
// and are asked again here of the worker's TransactionContext. The host batches several
// poll() calls into one SourceBatch, and a request without a record ends a poll, so the
// batch is handed to the pipeline as the polls it was: one per Poll call, each followed by
// its own request, as Kafka Connect acts on commitTransaction() after the poll it was made in.

// hostPoll is one poll() of a batch: its records, the record requests about them, and the
// poll's own request, if any.
type hostPoll struct {
	records []connectors.SourceRecord
	marks   []*pb.TransactionRequest // record requests; After counted within records
	end     *pb.TransactionRequest   // the poll's request; nil: none
}

// batchTransactionRequests is SourceBatch.transaction_requests's field number.
const batchTransactionRequests = 5

// splitPolls cuts a batch's records into polls at its poll requests; records after the last
// one are a poll without a request. The polls share out's records (the pointers the pipeline
// hands back to CommitRecords).
func splitPolls(out []connectors.SourceRecord, batch []byte) ([]hostPoll, error) {
	var reqs []*pb.TransactionRequest
	err := eachField(batch, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != batchTransactionRequests || typ != protowire.BytesType {
			return nil
		}
		r := &pb.TransactionRequest{}
		if err := proto.Unmarshal(v, r); err != nil {
			return fmt.Errorf("transaction request: %w", err)
		}
		if int(r.GetAfter()) > len(out) || (r.GetRecord() && r.GetAfter() == 0) {
			return fmt.Errorf("transaction request after %d of a batch of %d records", r.GetAfter(), len(out))
		}
		reqs = append(reqs, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var polls []hostPoll
	cur, start := hostPoll{}, 0
	for _, r := range reqs {
		after := int(r.GetAfter())
		if after < start {
			return nil, fmt.Errorf("transaction request after %d, behind the poll from %d", after, start)
		}
		if r.GetRecord() {
			m := proto.Clone(r).(*pb.TransactionRequest)
			m.After = uint32(after - start)
			cur.marks = append(cur.marks, m)
			continue
		}
		cur.records, cur.end = out[start:after:after], r
		polls = append(polls, cur)
		cur, start = hostPoll{}, after
	}
	if start < len(out) || len(polls) == 0 {
		cur.records = out[start:len(out):len(out)]
		polls = append(polls, cur)
	}
	return polls, nil
}

// nextPoll hands over the next poll of the last batch: its record requests and its own are
// asked of the worker's TransactionContext, which acts on them as the records are sent.
func (s *sourceTask) nextPoll() []connectors.SourceRecord {
	p := s.polled[0]
	s.polled[0] = hostPoll{}
	s.polled = s.polled[1:]
	for _, m := range p.marks {
		rec := p.records[m.GetAfter()-1]
		if m.GetAbort() {
			s.txn.AbortTransactionFor(rec)
		} else {
			s.txn.CommitTransactionFor(rec)
		}
	}
	if p.end != nil {
		if p.end.GetAbort() {
			s.txn.AbortTransaction()
		} else {
			s.txn.CommitTransaction()
		}
	}
	return p.records
}
