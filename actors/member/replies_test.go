package member

import (
	"errors"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

type (
	question string
	answer   string
	// answerLater is answered only when release is closed; answered is closed after.
	answerLater struct{ release, answered chan struct{} }
	// answerTwice is answered twice.
	answerTwice struct{}
	// answerAfter answers once late has been answered, so that the late answer reaches the
	// slot while this request waits on it.
	answerAfter struct{ late answerLater }
)

func answeringProps() *actor.Props {
	return actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case question:
			ctx.Respond(answer("to " + m))
		case answerTwice:
			ctx.Respond(answer("first"))
			ctx.Respond(answer("second"))
		case answerLater:
			// Answered from another goroutine: the actor stays free for the next request.
			sender := ctx.Sender()
			go func() {
				<-m.release
				ctx.ActorSystem().Root.Send(sender, answer("late"))
				close(m.answered)
			}()
		case answerAfter:
			close(m.late.release)
			<-m.late.answered
			ctx.Respond(answer("on time"))
		}
	})
}

// TestReplySlots reuses one slot across requests whose answers come late, twice or never,
// and requires each request to get its own answer and no other.
func TestReplySlots(t *testing.T) {
	system := actor.NewActorSystem()
	defer system.Shutdown()
	r := newReplies(system, 1)
	pid := system.Root.Spawn(answeringProps())

	if got, err := r.ask(pid, question("a"), time.Second); err != nil || got != answer("to a") {
		t.Fatalf("ask: %v, %v", got, err)
	}

	// An abandoned request's answer, arriving after it gave up and before the next request.
	late := answerLater{release: make(chan struct{}), answered: make(chan struct{})}
	if got, err := r.ask(pid, late, 20*time.Millisecond); !errors.Is(err, actor.ErrTimeout) {
		t.Fatalf("unanswered ask: %v, %v; want a timeout", got, err)
	}
	close(late.release)
	<-late.answered
	if got, err := r.ask(pid, question("b"), time.Second); err != nil || got != answer("to b") {
		t.Fatalf("ask after a late answer: %v, %v", got, err)
	}

	// An abandoned request's answer, arriving while the next request waits.
	late = answerLater{release: make(chan struct{}), answered: make(chan struct{})}
	if got, err := r.ask(pid, late, 20*time.Millisecond); !errors.Is(err, actor.ErrTimeout) {
		t.Fatalf("unanswered ask: %v, %v; want a timeout", got, err)
	}
	if got, err := r.ask(pid, answerAfter{late}, time.Second); err != nil || got != answer("on time") {
		t.Fatalf("ask while a late answer comes: %v, %v", got, err)
	}

	// A second answer to one request.
	if got, err := r.ask(pid, answerTwice{}, time.Second); err != nil || got != answer("first") {
		t.Fatalf("ask answered twice: %v, %v", got, err)
	}
	if got, err := r.ask(pid, question("c"), time.Second); err != nil || got != answer("to c") {
		t.Fatalf("ask after a second answer: %v, %v", got, err)
	}

	// A target that is gone.
	if err := system.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
	if got, err := r.ask(pid, question("d"), time.Second); !errors.Is(err, actor.ErrDeadLetter) {
		t.Fatalf("ask of a stopped actor: %v, %v; want a dead letter", got, err)
	}

	if n := r.slots.Load(); n != 1 {
		t.Fatalf("%d slots made; the test means to reuse one", n)
	}
}
