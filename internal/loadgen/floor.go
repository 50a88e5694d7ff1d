package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
)

// FixedPredictions is a TF Serving :predict answer's body of n
// predictions, all the same: what the benchmarks' servers that do not
// predict (Floor, and a net/http handler) send.
func FixedPredictions(n int) string {
	one := `{"label":"spam","probabilities":{"ham":0.4,"spam":0.6}}`
	return `{"predictions":[` + strings.Repeat(one+",", n-1) + one + `]}`
}

// Answer is a complete HTTP/1.1 200 answer with a JSON body, as Floor
// sends it.
func Answer(body string) []byte {
	return fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

// Floor answers every request on l with answer (made by Answer) until l
// is closed, then waits for its connections to end. It is the least a
// loopback request can cost in Go, against which a server's figures are
// read: a goroutine per connection as in net/http, one read and one write
// a request, and of HTTP only what it takes to find where a request ends
// (the blank line after the head, then Content-Length bytes). No
// routing, no header map, no handler. A request it cannot read closes its
// connection.
func Floor(l net.Listener, answer []byte) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			r := bufio.NewReaderSize(conn, 16<<10)
			for {
				n, err := bodyLength(r)
				if err != nil {
					return
				}
				if _, err := r.Discard(n); err != nil {
					return
				}
				if _, err := conn.Write(answer); err != nil {
					return
				}
			}
		}()
	}
}

// bodyLength reads a request's head from r and returns its Content-Length
// (0 without one).
func bodyLength(r *bufio.Reader) (int, error) {
	n := 0
	for first := true; ; first = false {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if first {
				return 0, errors.New("an empty request line")
			}
			return n, nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !first && ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if n, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil || n < 0 {
				return 0, fmt.Errorf("malformed header %q", line)
			}
		}
	}
}
