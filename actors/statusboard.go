package actors

import (
	"sync"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/messages"
)

// statusBoard holds, for each connector grain active on this member, the status the grain
// last answered, for as long as nothing that status was computed from has changed. GET
// …/status then reads it without the round trip through the grain's mailbox: two goroutine
// hand-offs per request, which on one core were a third of the worker's CPU time per status
// request.
//
// The grain stays the only writer of its status. It posts an entry when it answers a status
// request and takes it down before it handles any other message, so that nothing it does
// can change what it answered while the entry is up; what it did not compute itself is
// checked by the reader: the entry names the config snapshot entry it was computed from
// (a changed connector gets a new one), and the member must still own the grain. A status
// that needed the status store (a task that has not reported to this grain) is not posted.
//
// A reader that finds an entry sees what a request queued in the mailbox at that instant
// would have been answered. The zero value is ready to use.
type statusBoard struct {
	entries sync.Map // connector name → *boardEntry
}

type boardEntry struct {
	view   *store.ConnectorSnapshot
	status *messages.ConnectorStatus // shared by every reader: never modified
}

// post puts e up for name, replacing what was there.
func (b *statusBoard) post(name string, e *boardEntry) { b.entries.Store(name, e) }

// take takes e down, if it is still the entry of name.
func (b *statusBoard) take(name string, e *boardEntry) { b.entries.CompareAndDelete(name, e) }

// read returns the status posted for name if it was computed from view.
func (b *statusBoard) read(name string, view *store.ConnectorSnapshot) (*messages.ConnectorStatus, bool) {
	v, ok := b.entries.Load(name)
	if !ok {
		return nil, false
	}
	e := v.(*boardEntry)
	if e.view != view {
		return nil, false
	}
	return e.status, true
}
