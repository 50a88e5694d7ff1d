package serve

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"
)

// TestDirectRouteMatchesMux: every request answers the same through the
// direct TF Serving route as through the mux alone: status, headers and
// body, for clean paths, paths the mux cleans and redirects, escaped
// paths and other methods.
func TestDirectRouteMatchesMux(t *testing.T) {
	s, err := New([]ModelFile{{"spam", spamModel}}, Options{ReloadInterval: -1, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mux := s.routes()
	body := `{"instances": ["free money now"]}`
	for _, target := range []string{
		"/v1/models/spam:predict", "/v1/models/spam", "/v1/models/spam/metadata", "/v1/models/spam/versions/1:predict",
		"/v1/models/spam/versions/2:predict", "/v1/models/nope:predict", "/v1/models/", "/v1/models/spam:classify",
		"/v1/models//spam:predict", "/v1/models/./spam:predict", "/v1/models/x/../spam:predict", "/v1/models/spam/.",
		"/v1/models/spam/..", "/v1/models/spam%2F:predict", "/v1/models/sp%61m:predict", "/v1/models/spam:predict?x=1",
		"/v1/models/a%20b:predict", "/v1/models/spam:predict/", "/v1/models", "/v2/models/spam/infer", "/metrics",
	} {
		for _, method := range []string{http.MethodPost, http.MethodGet, http.MethodPut, http.MethodConnect} {
			answer := func(h http.Handler) *httptest.ResponseRecorder {
				r := httptest.NewRequest(method, target, strings.NewReader(body))
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w
			}
			got, want := answer(s.Handler()), answer(mux)
			if target == "/metrics" {
				continue // the counters differ between the two calls
			}
			if got.Code != want.Code || got.Body.String() != want.Body.String() ||
				got.Header().Get("Location") != want.Header().Get("Location") || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
				t.Errorf("%s %s: direct %d %q %v, mux %d %q %v", method, target,
					got.Code, got.Body, got.Header(), want.Code, want.Body, want.Header())
			}
		}
	}
}

// TestCleanPath: cleanPath says whether the mux's cleaning (path.Clean,
// a trailing slash kept) leaves a path unchanged.
func TestCleanPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	parts := []string{"/", ".", "..", "a", ":"}
	for range 100000 {
		p := "/"
		for range rng.IntN(8) {
			p += parts[rng.IntN(len(parts))]
		}
		want := path.Clean(p)
		if strings.HasSuffix(p, "/") && want != "/" {
			want += "/"
		}
		if got := cleanPath(p); got != (want == p) {
			t.Fatalf("cleanPath(%q) = %v, but the mux cleans it to %q", p, got, want)
		}
	}
}
