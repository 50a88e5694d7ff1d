package parallel

import (
	"testing"
	"time"
)

// TestReceive checks that Receive returns the values sent, in order, both
// those already waiting and those sent after it has stopped polling and
// blocked, whether it stopped on time or because another pool handed out
// a pass. A Receive that misses a value fails the test instead of hanging.
func TestReceive(t *testing.T) {
	ch := make(chan int, 4)
	// receive is Receive(ch), failing the test when it does not return
	// within passLimit (a Receive that misses a value blocks for ever).
	receive := func(what string) int {
		t.Helper()
		var v int
		if !returnsWithin(func() { v = Receive(ch) }) {
			t.Fatalf("Receive did not return within %v %s", passLimit, what)
		}
		return v
	}
	ch <- 1
	ch <- 2
	if a, b := receive("with 2 values waiting"), receive("with 1 value waiting"); a != 1 || b != 2 {
		t.Fatalf("received %d, %d, want 1, 2", a, b)
	}
	go func() {
		time.Sleep(3 * spinFor)
		ch <- 3
	}()
	if c := receive("of a value sent after it blocked"); c != 3 {
		t.Fatalf("received %d after blocking, want 3", c)
	}
	go func() {
		time.Sleep(spinFor / 5)
		Dispatched() // another pool's pass
		time.Sleep(spinFor / 5)
		ch <- 4
	}()
	if d := receive("of a value sent after another pool's pass"); d != 4 {
		t.Fatalf("received %d after another pool's pass, want 4", d)
	}
}
