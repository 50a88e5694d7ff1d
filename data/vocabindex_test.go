package data

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// randomToken is a token of 0 to 12 bytes drawn from a small alphabet
// (so that near-misses and shared prefixes are common), non-ASCII and
// invalid UTF-8 bytes included.
func randomToken(rng *rand.Rand) string {
	const alphabet = "abcw01é\xff"
	var b strings.Builder
	for range rng.IntN(13) {
		b.WriteByte(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

// TestVocabIndexMatchesMap: for vocabularies of 0 to 20,000 tokens, the
// table finds every token at its index (by string and by bytes) and
// reports any other string missing, as a Go map does.
func TestVocabIndexMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, n := range []int{0, 1, 2, 3, 7, 100, 1000, 20000} {
		var voc []string
		m := map[string]int{}
		for len(voc) < n {
			tok := randomToken(rng)
			if rng.IntN(4) == 0 {
				tok = fmt.Sprintf("w%d", len(voc))
			}
			if _, dup := m[tok]; !dup {
				m[tok] = len(voc)
				voc = append(voc, tok)
			}
		}
		ix, err := newVocabIndex(voc)
		if err != nil {
			t.Fatal(err)
		}
		for i, tok := range voc {
			if got, ok := ix.find(tok); !ok || got != i {
				t.Fatalf("n=%d: find(%q) = %d, %v; want %d", n, tok, got, ok, i)
			}
			if got, ok := ix.findBytes([]byte(tok)); !ok || got != i {
				t.Fatalf("n=%d: findBytes(%q) = %d, %v; want %d", n, tok, got, ok, i)
			}
		}
		for range 5000 {
			tok := randomToken(rng)
			want, wantOK := m[tok]
			if got, ok := ix.find(tok); ok != wantOK || got != want {
				t.Fatalf("n=%d: find(%q) = %d, %v; the map gives %d, %v", n, tok, got, ok, want, wantOK)
			}
			if got, ok := ix.findBytes([]byte(tok)); ok != wantOK || got != want {
				t.Fatalf("n=%d: findBytes(%q) = %d, %v; the map gives %d, %v", n, tok, got, ok, want, wantOK)
			}
		}
	}
}

// TestVocabIndexDuplicate: a repeated token is refused, naming both
// indices, as the map-based check did.
func TestVocabIndexDuplicate(t *testing.T) {
	v := NewTextVectorizer(0, 0)
	err := v.SetVocabulary([]string{"a", "b", "c", "b"})
	want := `vocabulary entry "b" appears twice (indices 3 and 5): every token must be unique`
	if err == nil || err.Error() != want {
		t.Fatalf("SetVocabulary with a repeated token: %v, want %q", err, want)
	}
	var zero TextVectorizer
	if got := zero.Lookup("a"); got != 1 {
		t.Fatalf("a vectorizer without vocabulary looks %q up as %d, want 1 ([UNK])", "a", got)
	}
}

// FuzzVocabIndex: on any vocabulary (the fuzzer's string split on '|')
// and any text, Encode gives the indices a Go map gives.
//
//	go test -fuzz=FuzzVocabIndex -fuzztime 600000x ./data
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
func FuzzVocabIndex(f *testing.F) {
	f.Add("cat|dog|é|w1|w10", "Cat dog. W1 w10 w100 é É")
	f.Add("", "anything")
	f.Add("a|\xff|ab|abc", "a ab abc abcd \xff")
	f.Fuzz(func(t *testing.T, vocab, text string) {
		var toks []string
		seen := map[string]bool{PadToken: true, OOVToken: true}
		for _, tok := range strings.Split(vocab, "|") {
			if !seen[tok] {
				seen[tok] = true
				toks = append(toks, tok)
			}
		}
		v := NewTextVectorizer(0, 0)
		if err := v.SetVocabulary(toks); err != nil {
			t.Fatal(err)
		}
		got, want := v.Encode(text), encodeReference(v, text)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("vocabulary %q: Encode(%q) = %v, a map gives %v", toks, text, got, want)
		}
		for _, tok := range toks {
			if i, ok := v.index.find(tok); !ok || v.Vocabulary[i] != tok {
				t.Fatalf("vocabulary %q: %q not found at its index (%d, %v)", toks, tok, i, ok)
			}
		}
	})
}

// BenchmarkVocabLookup looks up the 256 tokens of a text of a 20,000-word
// vocabulary (the W2 serving benchmark's) in a Go map and in the
// vocabIndex that replaced it, in the same run. Each op first writes 4 MiB
// of memory, as a server's forward pass between two requests does, so the
// lookups find the tables out of cache; "evict" is that part alone, to
// subtract. (With the tables in cache both take 20-30 ns a lookup.)
func BenchmarkVocabLookup(b *testing.B) {
	voc := make([]string, 20000)
	for i := range voc {
		voc[i] = fmt.Sprintf("w%d", i)
	}
	m := vocabMap(voc)
	ix, err := newVocabIndex(voc)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// The tokens are pieces of request texts, next to each other in
	// memory, as the tokenizer looks them up.
	var toks []string
	for range 512 {
		var t strings.Builder
		for range 256 {
			t.WriteString(voc[rng.IntN(len(voc))] + " ")
		}
		toks = append(toks, strings.Fields(t.String())...)
	}
	evict := make([]byte, 4<<20)
	var sink int
	for _, c := range []string{"evict", "map", "index"} {
		b.Run(c, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for j := 0; j < len(evict); j += 64 {
					evict[j]++
				}
				at := i % 512 * 256
				for _, tok := range toks[at : at+256] {
					switch c {
					case "map":
						sink += m[tok]
					case "index":
						id, _ := ix.find(tok)
						sink += id
					}
				}
			}
		})
	}
	_ = sink
}
