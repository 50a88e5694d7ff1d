package parallel

import (
	"testing"
	"time"
)

// TestReceive checks that Receive returns the values sent, in order, both
// those already waiting and those sent after it has stopped polling and
// blocked.
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
}
