package member

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// replies answers requests to grains on this member through reply slots: processes
// registered once and reused. protoactor's future registers, times and unregisters a process
// per request; on GET …/status that was the largest cost left on the actor path.
//
// A slot serves one request at a time. Each request addresses the slot with a PID of its own
// request ID, and the slot keeps only the first answer carrying the ID it waits for, so a
// late answer to an abandoned request, or a second answer to one already answered, never
// answers the slot's next request.
type replies struct {
	system *actor.ActorSystem
	free   chan *replySlot
	slots  atomic.Uint64 // names slots: "reply$<n>"
}

func newReplies(system *actor.ActorSystem, keep int) *replies {
	return &replies{system: system, free: make(chan *replySlot, keep)}
}

// ask sends msg to pid and waits up to timeout for its answer. Like protoactor's future it
// answers actor.ErrDeadLetter when pid is gone and actor.ErrTimeout when no answer came.
func (r *replies) ask(pid *actor.PID, msg any, timeout time.Duration) (any, error) {
	s := r.get()
	defer r.put(s)
	sender := s.expect()
	r.system.Root.RequestWithCustomSender(pid, msg, sender)
	s.timer.Reset(timeout)
	select {
	case <-s.answered:
	case <-s.timer.C:
	}
	s.timer.Stop() // since Go 1.23 a stopped timer's channel holds no stale tick
	answer, ok := s.take()
	if !ok {
		return nil, actor.ErrTimeout
	}
	if _, dead := answer.(*actor.DeadLetterResponse); dead {
		return nil, actor.ErrDeadLetter
	}
	return answer, nil
}

func (r *replies) get() *replySlot {
	select {
	case s := <-r.free:
		return s
	default:
	}
	s := &replySlot{answered: make(chan struct{}, 1), timer: time.NewTimer(time.Hour)}
	s.timer.Stop()
	s.pid, _ = r.system.ProcessRegistry.Add(s, "reply$"+strconv.FormatUint(r.slots.Add(1), 10))
	return s
}

// put keeps s for a later request, or unregisters it when enough are kept.
func (r *replies) put(s *replySlot) {
	select {
	case r.free <- s:
	default:
		r.system.ProcessRegistry.Remove(s.pid)
	}
}

// replySlot is one reusable receiver of answers (an actor.Process).
type replySlot struct {
	pid      *actor.PID    // as registered: Address and Id
	answered chan struct{} // one token when the awaited answer has come
	timer    *time.Timer   // bounds each wait; stopped between requests

	mu      sync.Mutex
	request uint32 // the request ID awaited; 0 between requests
	next    uint32
	answer  any
	got     bool
}

// expect starts a request and returns the PID its answer is to be sent to.
func (s *replySlot) expect() *actor.PID {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	if s.next == 0 {
		s.next = 1 // 0 means "none awaited"
	}
	s.request, s.answer, s.got = s.next, nil, false
	return &actor.PID{Address: s.pid.Address, Id: s.pid.Id, RequestId: s.request}
}

// take ends the request: its answer, if one came. A token sent with an answer that came
// after the wait gave up is drained, so the next request does not wake on it.
func (s *replySlot) take() (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	answer, got := s.answer, s.got
	s.request, s.answer, s.got = 0, nil, false
	select {
	case <-s.answered:
	default:
	}
	return answer, got
}

func (s *replySlot) SendUserMessage(pid *actor.PID, message any) {
	_, msg, _ := actor.UnwrapEnvelope(message)
	s.mu.Lock()
	defer s.mu.Unlock()
	if pid.RequestId != s.request || s.request == 0 || s.got {
		return // not the answer awaited now
	}
	s.answer, s.got = msg, true
	s.answered <- struct{}{} // never blocks: one token per request, drained by take
}

func (s *replySlot) SendSystemMessage(*actor.PID, any) {}

func (s *replySlot) Stop(*actor.PID) {}
