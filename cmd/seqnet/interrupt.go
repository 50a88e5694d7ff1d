package main

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seqnet/seqnet/model"
)

// Ctrl-C during seqnet train. The first Ctrl-C asks training to stop; the
// training loop itself (interruptGate, a callback) turns the request into
// Model.Stop after the current batch, and decides where the loop ends
// whether the request cut it short. Only then is the run interrupted: it
// saves a checkpoint for --resume and exits 130, and the steps after
// training (the best epoch's weights, the blends, the baselines) wait for
// the resumed run. A request that comes after the last epoch, or when
// early stopping has already ended training, changes nothing: the run
// finishes and saves the model as usual, as an uninterrupted Keras fit
// would have. The second Ctrl-C quits at once (Go's default): the model
// file is written atomically, so it is then the old file or none.

// interruption is where a run stands with respect to Ctrl-C.
type interruption struct {
	mu sync.Mutex
	// asked: stopping was asked (Ctrl-C, or the tests' interruptAfter).
	asked atomic.Bool
	// loopEnded: the training loop is over; a later request cannot cut it.
	loopEnded bool
}

// ask records a request to stop and reports whether it came in time to
// cut the training loop short.
func (in *interruption) ask() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.loopEnded {
		return false
	}
	in.asked.Store(true)
	return true
}

// stop ends training after the current batch, as an interruption.
func (t *trainer) stop() { t.intr.ask() }

// onInterrupt is what the first Ctrl-C does.
func (t *trainer) onInterrupt() {
	if t.intr.ask() {
		fmt.Fprintln(t.w, "\ninterrupted: stopping after this batch and saving a checkpoint (Ctrl-C again to quit without saving)")
		return
	}
	fmt.Fprintln(t.w, "\ninterrupted after training had ended: finishing the model and saving it, a few seconds (Ctrl-C again to quit without saving; the file is written whole or not at all)")
}

// endLoop decides, where the training loop ended, whether the run was
// interrupted: a stop was asked and cutShort says the loop ended before
// its epochs were done for that reason.
func (t *trainer) endLoop(cutShort bool) {
	t.intr.mu.Lock()
	defer t.intr.mu.Unlock()
	t.intr.loopEnded = true
	cut := t.intr.asked.Load() && cutShort
	t.interrupted.Store(cut)
	if t.intr.asked.Load() && !cut {
		fmt.Fprintln(t.w, "the interruption came as training ended: finishing the model as usual")
	}
}

// watchInterrupt turns the first Ctrl-C into t.onInterrupt until the
// returned function is called.
func (t *trainer) watchInterrupt() (unwatch func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			signal.Stop(sig) // a second Ctrl-C ends the program at once
			t.onInterrupt()
		case <-done:
		}
	}()
	return func() {
		close(done)
		signal.Stop(sig)
	}
}

// interruptGate is the training loop's side of Ctrl-C: it stops the model
// being trained (t.m, or nbcnn's stacking model) after the batch or epoch
// in which stopping was asked, even when that was before Fit began, and
// decides at the loop's end whether the run was interrupted. It comes
// before earlyStop among the callbacks, so that earlyStop knows.
type interruptGate struct {
	model.CallbackBase
	t      *trainer
	epochs int                  // the final epoch
	es     *model.EarlyStopping // nil when off
}

func (g *interruptGate) OnBatchEnd(int, model.Logs) {
	if g.t.intr.asked.Load() {
		g.M.Stop()
	}
}

func (g *interruptGate) OnEpochEnd(int, model.Logs) {
	if g.t.intr.asked.Load() {
		g.M.Stop()
	}
}

// OnTrainEnd: the loop was cut short when it stopped inside an epoch, or
// before the final epoch without early stopping having ended it.
func (g *interruptGate) OnTrainEnd() {
	st, _ := g.M.TrainingState()
	early := g.es != nil && g.es.StoppedEpoch > 0
	g.t.endLoop(st.Batch > 0 || (st.Epoch < g.epochs && !early))
}

// earlyStop is EarlyStopping that keeps the current weights when training
// was interrupted (so the checkpoint resumes exactly).
type earlyStop struct {
	*model.EarlyStopping
	interrupted *atomic.Bool
}

func (e earlyStop) OnTrainEnd() {
	if !e.interrupted.Load() {
		e.EarlyStopping.OnTrainEnd()
	}
}

// interruptAfter calls stop after n batches (tests).
type interruptAfter struct {
	model.CallbackBase
	n, seen int
	stop    func()
}

func (c *interruptAfter) OnBatchEnd(int, model.Logs) {
	c.seen++
	if c.seen == c.n {
		c.stop()
	}
}

// awaitInterrupt holds training at the end of the first epoch until
// stopping is asked (at most a minute), so that TestSIGINT's real Ctrl-C,
// sent when it reads the epoch's line, always lands inside training.
type awaitInterrupt struct {
	model.CallbackBase
	t    *trainer
	done bool
}

func (c *awaitInterrupt) OnEpochEnd(int, model.Logs) {
	for end := time.Now().Add(time.Minute); !c.done && time.Now().Before(end) && !c.t.intr.asked.Load(); {
		time.Sleep(time.Millisecond)
	}
	c.done = true
}

// testAwaitInterrupt, when set, adds awaitInterrupt (TestSIGINT's child).
var testAwaitInterrupt bool

// resumeEarlyStopping makes es, on --resume of an interrupted run,
// continue from the checkpoint's early stopping progress (best epoch and
// figure, epochs waited, best weights), so that the resumed run stops and
// keeps the same epoch as an uninterrupted one. A file from before that
// progress was stored resumes with early stopping started afresh, and
// says so.
func (t *trainer) resumeEarlyStopping(es *model.EarlyStopping) {
	switch st := t.esState; {
	case !t.esStored:
	case st == nil:
		fmt.Fprintln(t.w, "note: this checkpoint holds no early stopping progress (an older seqnet wrote it): early stopping starts afresh, so the run may stop and keep another epoch than an uninterrupted one")
	case st.Monitor != esMonitor(es):
		fmt.Fprintf(t.w, "note: the checkpoint's early stopping watched %s, this run watches %s: early stopping starts afresh\n", st.Monitor, esMonitor(es))
	default:
		es.Resume = st
	}
}
