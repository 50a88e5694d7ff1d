package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seqnet/seqnet/model"
)

// progress prints training progress as Keras does: on a terminal a bar per
// epoch (steps done/total, ETA, running loss and metrics, validation figures
// at the end of the epoch); otherwise one plain line per epoch.
type progress struct {
	model.CallbackBase
	w       io.Writer
	tty     bool
	width   int // the terminal's columns: a bar line is cut to width-1
	epochs  int // final epoch count
	batches int // batches per epoch
	// now is the clock (a test may replace it).
	now func() time.Time

	start     time.Time
	first     int // first batch index seen in this epoch (> 0 when resumed)
	seen      int // batches run in this epoch
	lastDraw  time.Time
	lastBatch int
	// units, when set, adds each epoch's MAE in the data's units.
	units *dataUnits
}

func newProgress(w io.Writer, epochs, batches int) *progress {
	p := &progress{w: w, tty: isTerminal(w), epochs: epochs, batches: batches, now: time.Now}
	if p.tty {
		p.width = termWidth(w)
	}
	return p
}

// termWidth is the terminal's width in columns: $COLUMNS when set, else
// what the terminal reports (terminalColumns), else 80.
func termWidth(w io.Writer) int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := w.(*os.File); ok {
		if n := terminalColumns(f); n > 0 {
			return n
		}
	}
	return 80
}

// fit cuts a bar line to the terminal's width less one column: a line as
// wide as the terminal wraps, and "\r" then redraws only its last part,
// leaving a stale line per redraw (a 60-column pane kept 46 of them).
func (p *progress) fit(line string) string {
	if p.width <= 1 || utf8.RuneCountInString(line) < p.width {
		return line
	}
	r := []rune(line)
	return string(r[:p.width-1])
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progress) OnEpochBegin(epoch int) {
	p.start, p.first, p.seen, p.lastBatch = p.now(), -1, 0, 0
	p.lastDraw = time.Time{}
	if p.tty {
		fmt.Fprintf(p.w, "Epoch %d/%d\n", epoch+1, p.epochs)
	}
}

func (p *progress) OnBatchEnd(batch int, logs model.Logs) {
	if p.first < 0 {
		p.first = batch
	}
	p.seen++
	p.lastBatch = batch
	if !p.tty {
		return
	}
	now := p.now()
	if batch+1 < p.batches && now.Sub(p.lastDraw) < 100*time.Millisecond {
		return
	}
	p.lastDraw = now
	per := now.Sub(p.start) / time.Duration(p.seen)
	eta := per * time.Duration(p.batches-batch-1)
	fmt.Fprintf(p.w, "\r%s\x1b[K", p.fit(fmt.Sprintf("%s - ETA: %s - %s", p.bar(batch+1), fmtDuration(eta), logs)))
}

// bar draws "  12/40 [=======>......................]".
func (p *progress) bar(done int) string {
	const width = 30
	digits := len(fmt.Sprint(p.batches))
	fill := width * done / max(p.batches, 1)
	var b strings.Builder
	fmt.Fprintf(&b, "%*d/%d [", digits, done, p.batches)
	for i := 0; i < width; i++ {
		switch {
		case i < fill-1 || (i == fill-1 && done == p.batches):
			b.WriteByte('=')
		case i == fill-1 || (fill == 0 && i == 0):
			b.WriteByte('>')
		default:
			b.WriteByte('.')
		}
	}
	b.WriteByte(']')
	return b.String()
}

func (p *progress) OnEpochEnd(epoch int, l model.Logs) {
	took := p.now().Sub(p.start)
	logs := l.String()
	if u := p.units.logs(l); u != "" {
		logs += " (" + u + ")"
	}
	if p.tty {
		step := time.Duration(0)
		if p.seen > 0 {
			step = took / time.Duration(p.seen)
		}
		// The finished epoch keeps its whole line: it is not redrawn.
		fmt.Fprintf(p.w, "\r%s - %s %s/step - %s\x1b[K\n", p.bar(p.batches), fmtDuration(took), fmtDuration(step), logs)
		return
	}
	resumed := ""
	if p.first > 0 {
		resumed = fmt.Sprintf(" (resumed at batch %d)", p.first+1)
	}
	fmt.Fprintf(p.w, "Epoch %d/%d - %d/%d batches%s - %s - %s\n", epoch+1, p.epochs, p.batches, p.batches, resumed, fmtDuration(took), logs)
}

// fmtDuration prints a duration as Keras does: "3s", "12ms", "1:02" for
// a minute or more.
func fmtDuration(d time.Duration) string {
	switch {
	case d >= time.Minute:
		s := int(d.Round(time.Second) / time.Second)
		if s >= 3600 {
			return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
		}
		return fmt.Sprintf("%d:%02d", s/60, s%60)
	case d >= time.Second:
		return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
	case d <= 0:
		return "0s"
	case d >= time.Millisecond:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%dus", d.Microseconds())
}
