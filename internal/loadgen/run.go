package loadgen

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Result is what Run measured.
type Result struct {
	Requests int             // answers received, errors included
	Errors   int             // transport errors and answers check refused
	First    error           // the first error, if any
	Elapsed  time.Duration   // from the first request sent to the last answer
	Latency  []time.Duration // of every request, sorted
	// CPU is the process's CPU time over Elapsed (server and clients
	// alike when they share the process), 0 where the system does not
	// tell it (see CPUTime).
	CPU time.Duration
}

// CPUPerRequest is the CPU time a request cost, in µs (0 when CPU is not
// known).
func (r Result) CPUPerRequest() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.CPU.Nanoseconds()) / 1000 / float64(r.Requests)
}

// Quantile is the latency below which a fraction q of the requests were
// answered (0 when there were none).
func (r Result) Quantile(q float64) time.Duration {
	if len(r.Latency) == 0 {
		return 0
	}
	return r.Latency[int(q*float64(len(r.Latency)-1))]
}

// Run sends reqs in turn from clients concurrent Clients connected to addr
// for about d, each client waiting for its answer before its next request,
// and checks every answer with check. A client whose connection fails
// dials again.
func Run(addr string, reqs [][]byte, clients int, d time.Duration, check func(code int, body []byte) error) (Result, error) {
	if clients < 1 || len(reqs) == 0 {
		return Result{}, fmt.Errorf("loadgen: %d clients, %d requests: need at least one of each", clients, len(reqs))
	}
	cs := make([]*Client, clients)
	for k := range cs {
		c, err := Dial(addr)
		if err != nil {
			for _, c := range cs[:k] {
				c.Close() // no connection outlives Run
			}
			return Result{}, err
		}
		cs[k] = c
	}
	var mu sync.Mutex
	var res Result
	var wg sync.WaitGroup
	cpu := StartCPU()
	start := time.Now()
	stop := start.Add(d)
	for k := range cs {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			var lat []time.Duration
			var errs int
			var first error
			for i := k; time.Now().Before(stop); i += clients {
				t := time.Now()
				code, body, err := cs[k].Do(reqs[i%len(reqs)])
				if err == nil {
					err = check(code, body)
				} else if c, derr := Dial(addr); derr == nil {
					cs[k].Close()
					cs[k] = c
				}
				lat = append(lat, time.Since(t))
				if err != nil {
					errs++
					first = cmpOr(first, err)
				}
			}
			cs[k].Close()
			mu.Lock()
			res.Latency = append(res.Latency, lat...)
			res.Errors += errs
			res.First = cmpOr(res.First, first)
			mu.Unlock()
		}(k)
	}
	wg.Wait()
	res.Elapsed, res.CPU = time.Since(start), cpu()
	res.Requests = len(res.Latency)
	slices.Sort(res.Latency)
	return res, nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
