package data

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"unsafe"

	"github.com/seqnet/seqnet/internal/kernels"
)

// vocabIndex maps the tokens of a vocabulary to their indices. It is built
// once (SetVocabulary) and then only read, by every token a TextVectorizer
// encodes: a server looks up hundreds of tokens per request. A Go map of
// 20,000 strings spent about 100 ns per lookup, mostly waiting on memory:
// the map's group, then the key's separately allocated bytes. A slot of
// this table holds a token's first 8 bytes and its length, so a token of
// up to 8 bytes (most words) is found by reading one slot; longer ones are
// then compared with their bytes, kept together in one string. It gives
// the same indices as the map it replaced (TestVocabIndexMatchesMap,
// FuzzVocabIndex).
type vocabIndex struct {
	seed  uint64
	slots []vocabSlot // open addressing, linear probing; len a power of 2
	mask  uint64
	text  string   // the tokens, concatenated in index order
	ends  []uint32 // ends[i]: where token i ends in text
}

// vocabSlot is one slot of a vocabIndex.
type vocabSlot struct {
	id1  uint32 // the token's index + 1; 0: a free slot
	tag  uint32 // tag(hash, len) of the token
	head uint64 // the token's first 8 bytes (head), zero-padded
}

// tag packs a token's hash (its high 24 bits) and length (the low 8 bits,
// 255 for 255 and more): tokens of equal tag and head and at most 8 bytes
// are equal.
func tag(h uint64, n int) uint32 { return uint32(h)&^0xff | uint32(min(n, 255)) }

// hash returns t's hash and its first 8 bytes (little-endian,
// zero-padded): a multiply-xorshift mix of t's 8-byte words, the length and
// a random seed. maphash was slower here: tokens are short, and the words
// are read anyway for the slot's head.
func hash[T string | []byte](seed uint64, t T) (h, head uint64) {
	h = seed ^ uint64(len(t))*0x9e3779b97f4a7c15
	for at := 0; at < len(t) || at == 0; at += 8 {
		var w uint64
		for i := min(len(t), at+8) - 1; i >= at; i-- {
			w = w<<8 | uint64(t[i])
		}
		if at == 0 {
			head = w
		}
		h = (h ^ w) * 0xbf58476d1ce4e5b9
		h ^= h >> 31
	}
	h *= 0x94d049bb133111eb
	return h ^ h>>29, head
}

// newVocabIndex indexes tokens; a token appearing twice is an error that
// names both indices.
func newVocabIndex(tokens []string) (vocabIndex, error) {
	size := 0
	for _, t := range tokens {
		size += len(t)
	}
	if uint64(size) > 1<<32-1 || uint64(len(tokens)) >= 1<<31 {
		return vocabIndex{}, fmt.Errorf("vocabulary of %d tokens (%d bytes) is too large: at most 2^31 tokens and 4 GiB of text", len(tokens), size)
	}
	// Under 2/3 full, so that a probe ends within a slot or two (4 slots
	// share a cache line).
	n := 1 << bits.Len(uint(len(tokens)+len(tokens)/2))
	ix := vocabIndex{seed: new(maphash.Hash).Sum64(), slots: make([]vocabSlot, n), mask: uint64(n - 1), ends: make([]uint32, len(tokens))}
	buf := make([]byte, 0, size)
	for i, t := range tokens {
		buf = append(buf, t...)
		ix.ends[i] = uint32(len(buf))
	}
	ix.text = string(buf)
	for i, t := range tokens {
		h, hd := hash(ix.seed, t)
		if j, dup := probe(&ix, h, hd, t); dup {
			return vocabIndex{}, fmt.Errorf("vocabulary entry %q appears twice (indices %d and %d): every token must be unique", t, ix.slots[j].id1-1, i)
		} else {
			ix.slots[j] = vocabSlot{id1: uint32(i + 1), tag: tag(h, len(t)), head: hd}
		}
	}
	return ix, nil
}

// token is the text of token i.
func (ix *vocabIndex) token(i int) string {
	start := uint32(0)
	if i > 0 {
		start = ix.ends[i-1]
	}
	return ix.text[start:ix.ends[i]]
}

// probe returns the slot holding t (found) or the free slot where it
// would go; h and hd are hash(ix.seed, t). t is a string or, for a token
// standardized into a buffer, bytes (compared without a copy).
func probe[T string | []byte](ix *vocabIndex, h, hd uint64, t T) (slot uint64, found bool) {
	tg := tag(h, len(t))
	for j := h & ix.mask; ; j = (j + 1) & ix.mask {
		s := &ix.slots[j]
		if s.id1 == 0 {
			return j, false
		}
		if s.tag == tg && s.head == hd && (len(t) <= 8 || ix.token(int(s.id1-1)) == string(t)) {
			return j, true
		}
	}
}

// find returns the index of token t.
func (ix *vocabIndex) find(t string) (int, bool) {
	h, hd := hash(ix.seed, t)
	return findHashed(ix, h, hd, t)
}

// findBytes is find for a token held in a byte slice; it does not allocate.
func (ix *vocabIndex) findBytes(b []byte) (int, bool) {
	h, hd := hash(ix.seed, b)
	return findHashed(ix, h, hd, b)
}

// findHashed returns the index of token t, whose hash and head are h and
// hd (hash(ix.seed, t)).
func findHashed[T string | []byte](ix *vocabIndex, h, hd uint64, t T) (int, bool) {
	if len(ix.slots) == 0 {
		return 0, false
	}
	j, ok := probe(ix, h, hd, t)
	if !ok {
		return 0, false
	}
	return int(ix.slots[j].id1 - 1), true
}

// lookupGroup is how many tokens a lookups holds.
const lookupGroup = 64

// groupBytes is the room a lookups has for its standardized tokens.
const groupBytes = 1024

// lookups is a group of tokens being looked up together. A server's table
// is out of cache between requests (the folded Embedding's pass streams
// hundreds of kilobytes past it), so a lookup waits on memory, about
// 100 ns: one token at a time, the next lookup would start only when the
// last one's slot has arrived. A token's home slot is prefetched as soon
// as its hash is known (add), and the group is looked up once it is full
// (find), by when most slots have come: their waits overlap with each
// other and with the scanning of the tokens after them. (Loads instead of
// prefetches, which hold back the instructions after them, in groups of
// 16: 25% more time per cold text on W2's 256-word requests.)
//
// A token is a substring of the text (clean) or its standardized bytes,
// kept in buf; a token that does not fit in buf is looked up on its own.
type lookups struct {
	n     int
	toks  [lookupGroup]string // a clean token; "" for one in buf
	at    [lookupGroup]uint32 // a standardized token: where it starts in buf
	size  [lookupGroup]uint32 // its length
	hs    [lookupGroup]uint64 // hash(seed, token)
	heads [lookupGroup]uint64
	pos   [lookupGroup]int // where its index goes in ids
	used  int              // bytes of buf in use
	buf   [groupBytes]byte
	sink  float32 // what the prefetches returned (see kernels.Prefetch)
}

// full reports whether g has no room for one more token of n standardized
// bytes (n = 0: a clean token).
func (g *lookups) full(n int) bool { return g.n == lookupGroup || g.used+n > groupBytes }

// add queues token tok (clean) or, when tok is "", the standardized token
// g.buf[at:g.used], whose index goes to ids[pos], and prefetches its home
// slot. The caller has checked full.
func (g *lookups) add(ix *vocabIndex, tok string, at, pos int) {
	var h, head uint64
	if tok != "" {
		h, head = hash(ix.seed, tok)
	} else {
		h, head = hash(ix.seed, g.buf[at:g.used])
	}
	i := g.n
	g.toks[i], g.at[i], g.size[i], g.hs[i], g.heads[i], g.pos[i] = tok, uint32(at), uint32(g.used-at), h, head, pos
	g.n++
	if len(ix.slots) > 0 {
		g.sink += kernels.Prefetch(unsafe.Slice((*float32)(unsafe.Pointer(&ix.slots[h&ix.mask])), 4))
	}
}

// find sets the queued tokens' indices in ids (oov for a token not in the
// vocabulary) and empties g.
func (g *lookups) find(ix *vocabIndex, ids []int, oov int) {
	for i := range g.n {
		id, ok := 0, false
		if tok := g.toks[i]; tok != "" {
			id, ok = findHashed(ix, g.hs[i], g.heads[i], tok)
		} else {
			id, ok = findHashed(ix, g.hs[i], g.heads[i], g.buf[g.at[i]:g.at[i]+g.size[i]])
		}
		if !ok {
			id = oov
		}
		ids[g.pos[i]] = id
	}
	g.n, g.used = 0, 0
}
