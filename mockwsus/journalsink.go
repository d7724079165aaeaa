package mockwsus

import (
	"fmt"
	"sort"
)

// An exchange is journaled in two steps. begin keeps its entry in memory,
// and streams it to the sink, before the answer is sent, so that a client
// holding the answer finds the entry (in-process runs check the journal
// right after a sync, tests read the sink). finish corrects it with what the
// client got once the answer is out: an answer cut by the drain, by a client
// gone or by an injected fault is outcome "cut". The entry in memory is
// corrected in place. In the sink, an exchange a transport fault was
// injected into (whose answer is likely cut or late) is written only by
// finish, once; any other exchange whose answer turns out cut gets a second
// line with the same seq: the later line says what the client got.

// begin keeps e in memory and returns it numbered; it streams it to the
// sink unless deferSink, in which case finish does.
func (j *Journal) begin(e Entry, deferSink bool) Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	e = j.appendLocked(e)
	if !deferSink {
		j.writeSinkLocked(e)
	}
	return e
}

// finish replaces the entry in memory with e (same Seq) when amended, if it
// is still there (not dropped, no Reset since), and streams e to the sink
// when begin deferred it or when it was amended.
func (j *Journal) finish(e Entry, amended, deferredSink bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if amended {
		i := sort.Search(len(j.entries), func(i int) bool { return j.entries[i].Seq >= e.Seq })
		if i < len(j.entries) && j.entries[i].Seq == e.Seq {
			j.entries[i] = e
		}
	}
	if amended || deferredSink {
		j.writeSinkLocked(e)
	}
}

// writeSinkLocked streams e to the sink. A failing sink must not fail the
// exchange, and must not be silent either: its first error is kept, later
// entries are not written (half a line would run into the next one), and
// every entry lost is reported to onSinkError.
func (j *Journal) writeSinkLocked(e Entry) {
	if j.enc == nil {
		return
	}
	if j.sinkErr == nil {
		err := j.enc.Encode(e)
		if err == nil {
			return
		}
		j.sinkErr = fmt.Errorf("journal: write: %w", err)
	}
	j.sinkLost++
	if j.onSinkError != nil {
		j.onSinkError(j.sinkErr, j.sinkLost)
	}
}

// SinkFailure returns how many entries the sink set by
// Server.SetJournalSink lost, and its first error (nil when it lost none).
func (j *Journal) SinkFailure() (lost int, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.sinkLost, j.sinkErr
}
