package parallel

import (
	"testing"
	"time"
)

// TestReceive checks that Receive returns the values sent, in order, both
// those already waiting and those sent after it has stopped polling and
// blocked, whether it stopped on time or because another pool handed out
// a pass.
func TestReceive(t *testing.T) {
	ch := make(chan int, 4)
	ch <- 1
	ch <- 2
	if a, b := Receive(ch), Receive(ch); a != 1 || b != 2 {
		t.Fatalf("received %d, %d, want 1, 2", a, b)
	}
	go func() {
		time.Sleep(3 * spinFor)
		ch <- 3
	}()
	if c := Receive(ch); c != 3 {
		t.Fatalf("received %d after blocking, want 3", c)
	}
	go func() {
		time.Sleep(spinFor / 5)
		Dispatched() // another pool's pass
		time.Sleep(spinFor / 5)
		ch <- 4
	}()
	if d := Receive(ch); d != 4 {
		t.Fatalf("received %d after another pool's pass, want 4", d)
	}
}
