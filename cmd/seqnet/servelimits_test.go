package main

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/serve"
)

// TestServeLimitsNameFlags: a client passing a limit of `seqnet serve`
// reads the flag that sets it (serve itself names no setting), and each
// limit serve can name is set by a flag of that name.
func TestServeLimitsNameFlags(t *testing.T) {
	for field, flag := range serveLimitFlags {
		if _, ok := reflect.TypeFor[serve.Options]().FieldByName(field); !ok {
			t.Errorf("serveLimitFlags names serve.Options.%s, which does not exist", field)
		}
		if !strings.Contains(serveUsage, "\n  "+flag+" ") {
			t.Errorf("serveLimitFlags gives %s for %s, which is not a flag of seqnet serve", flag, field)
		}
	}

	addr, stop := startServe(t, "--model", "spam=../../pipeline/testdata/spam-cli1.seqnet", "--addr", "127.0.0.1:0",
		"--max-instances", "2", "--max-body", "300")
	for _, c := range []struct{ body, want string }{
		{`{"instances": ["a", "b", "c"]}`, "3 instances in one request; the server takes at most 2 (--max-instances): split the request"},
		{`{"instances": ["` + strings.Repeat("a", 400) + `"]}`, "the request body is larger than 300 bytes, the server's limit (--max-body): send fewer instances per request"},
	} {
		resp, err := http.Post("http://"+addr+"/v1/models/spam:predict", "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if resp.StatusCode != 413 || v.Error != c.want {
			t.Errorf("answered %d %q, want 413 %q", resp.StatusCode, v.Error, c.want)
		}
	}
	if c, logs := stop(); c != 0 {
		t.Fatalf("serve exited %d after the stop: %s", c, logs)
	}
}
