package serve

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/msgcheck"
)

// TestLimitErrors: the 413 and 503 errors a client receives state the
// limit it passed and what to do. A library server names no setting (a
// client cannot set a Go option, and the server's operator may not call
// them so); given Options.LimitNames, as seqnet serve gives its flags,
// each error names its setting in parentheses.
func TestLimitErrors(t *testing.T) {
	flags := map[string]string{"MaxBodyBytes": "--max-body", "MaxInstances": "--max-instances", "MaxConcurrent": "--max-concurrent"}
	for _, names := range []map[string]string{nil, flags} {
		s, ts := newTest(t, Options{MaxBodyBytes: 4096, MaxInstances: 2, MaxConcurrent: 1, LimitNames: names})
		got := map[string]string{}
		post := func(field, body string, code int) {
			c, v := do(t, ts, "POST", "/v1/models/spam:predict", body)
			msg, _ := v["error"].(string)
			if c != code {
				t.Errorf("over %s: answered %d %q, want %d", field, c, msg, code)
			}
			got[field] = msg
		}
		post("MaxBodyBytes", `{"instances": ["`+strings.Repeat("a", 5000)+`"]}`, 413)
		post("MaxInstances", `{"instances": ["a", "b", "c"]}`, 413)
		s.slots <- struct{}{} // the one slot is taken
		post("MaxConcurrent", `{"instances": ["a"]}`, 503)
		<-s.slots
		want := map[string]string{
			"MaxBodyBytes":  "the request body is larger than 4096 bytes, the server's limit%s: send fewer instances per request",
			"MaxInstances":  "3 instances in one request; the server takes at most 2%s: split the request",
			"MaxConcurrent": "the server is answering its limit of 1 request at once%s: retry shortly",
		}
		for field, w := range want {
			name := ""
			if names != nil {
				name = " (" + names[field] + ")"
			}
			if w = strings.Replace(w, "%s", name, 1); got[field] != w {
				t.Errorf("LimitNames %v, over %s: error %q, want %q", names, field, got[field], w)
			}
		}
		if c, v := do(t, ts, "POST", "/v1/models/spam:predict", `{"instances": ["a"]}`); c != 200 {
			t.Errorf("after the limits, a good request answered %d %v", c, v)
		}
	}
}

// TestLimitNamesChecked: a LimitNames key that is not a limit's field
// (a typo) is refused by New, naming the keys it takes.
func TestLimitNamesChecked(t *testing.T) {
	_, err := New([]ModelFile{{"spam", spamModel}}, Options{Logger: quiet(), ReloadInterval: -1, LimitNames: map[string]string{"MaxBody": "--max-body"}})
	want := `Options.LimitNames names "MaxBody", which is not a limit clients can pass: expected MaxBodyBytes, MaxConcurrent, MaxInstances`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}

// TestMessagesNameNoFlags: no string in the package's sources names a
// command-line flag (the server is a library; seqnet serve names its flags
// through Options.LimitNames), and the Options fields named exist.
func TestMessagesNameNoFlags(t *testing.T) {
	names := msgcheck.Names{
		Ref:   regexp.MustCompile(`\b(Options)\.([A-Z][A-Za-z]*)`),
		Types: map[string]reflect.Type{"Options": reflect.TypeFor[Options]()},
	}
	for _, text := range msgcheck.SourceTexts(t, false) {
		names.Check(t, text)
	}
}

// TestBusyCountsRequests: the 503 error counts the requests of its limit
// in the right number ("1 request", "2 requests"), with every slot held.
func TestBusyCountsRequests(t *testing.T) {
	for n, want := range map[int]string{1: "limit of 1 request at once", 2: "limit of 2 requests at once"} {
		s, ts := newTest(t, Options{MaxConcurrent: n})
		for range n {
			s.slots <- struct{}{}
		}
		c, v := do(t, ts, "POST", "/v1/models/spam:predict", `{"instances": ["a"]}`)
		if msg, _ := v["error"].(string); c != 503 || !strings.Contains(msg, want) {
			t.Errorf("MaxConcurrent %d, all slots held: answered %d %q, want 503 saying %q", n, c, msg, want)
		}
		for range n {
			<-s.slots
		}
	}
}
