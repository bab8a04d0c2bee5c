package actors

import (
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/messages"
)

// pluginCall asks a runner child to run a plugin call; the result, if not nil, is sent to
// the runner's parent. Local: never crosses a process.
type pluginCall struct {
	incarnation int // of the grain's plugin; a panic is reported against it
	run         func() any
}

// runnerProps spawns a runner child: it executes plugin calls one at a time, so a slow
// plugin blocks the runner's mailbox and never its grain's. A panic in a plugin call is
// recovered into a *panicError result rather than crashing the runner, because the grain
// must learn what failed (a supervisor's Terminated carries no reason).
func runnerProps() *actor.Props {
	return actor.PropsFromFunc(func(ctx actor.Context) {
		call, ok := ctx.Message().(*pluginCall)
		if !ok {
			return
		}
		if res := safeRun(call.incarnation, call.run); res != nil {
			ctx.Send(ctx.Parent(), res)
		}
	}, actor.WithSupervisor(actor.NewOneForOneStrategy(10, 10*time.Second, actor.DefaultDecider)))
}

func safeRun(incarnation int, f func() any) (res any) {
	defer func() {
		if r := recover(); r != nil {
			res = &pluginFailed{incarnation: incarnation, err: &panicError{value: r, stack: debug.Stack()}}
		}
	}()
	return f()
}

// panicError is a recovered plugin panic with the stack where it happened.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// traceOf renders err as a status trace. A Java plugin's exception is shown as Kafka Connect
// shows it, its own stack trace alone: the Go steps that wrapped it ("poll: ") would only
// repeat it under a Go type, and the worker logs them with the failure. A Go error is its
// chain, one cause per line in the manner of a Java "Caused by" list, then the stack for a panic.
func traceOf(err error) string {
	if err == nil {
		return ""
	}
	if je, ok := errors.AsType[connectors.JavaException](err); ok {
		return je.Error()
	}
	var b strings.Builder
	b.WriteString(err.Error())
	for cause := errors.Unwrap(err); cause != nil; cause = errors.Unwrap(cause) {
		fmt.Fprintf(&b, "\nCaused by: %T: %v", cause, cause)
	}
	var p *panicError
	if errors.As(err, &p) {
		b.WriteString("\n")
		b.Write(p.stack)
	}
	return b.String()
}

func stateName(s messages.State) string { return strings.TrimPrefix(s.String(), "STATE_") }

func typeName(m any) string {
	if m == nil {
		return "<nil>"
	}
	return reflect.TypeOf(m).String()
}
