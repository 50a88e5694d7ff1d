package checkpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/seqnet/seqnet/internal/atomicfile"
	"hash/crc32"
	"io"
	"math"
	"os"
	"strconv"
	"unicode/utf8"
)

// Magic starts every .seqnet file; the format version (uint32,
// little-endian) follows it.
const Magic = "SEQNET\x00"

// Version is the format version this package writes and the newest it
// reads.
const Version = 1

const headerLen = len(Magic) + 4

// section is one named, checksummed part of a file.
type section struct {
	name    string
	payload []byte
}

// encodeFile lays out the header and sections, ending with "end".
func encodeFile(secs []section) []byte {
	var b []byte
	b = append(b, Magic...)
	b = binary.LittleEndian.AppendUint32(b, Version)
	for _, s := range append(secs, section{name: "end"}) {
		start := len(b)
		b = append(b, byte(len(s.name)))
		b = append(b, s.name...)
		b = binary.LittleEndian.AppendUint64(b, uint64(len(s.payload)))
		b = append(b, s.payload...)
		b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
	}
	return b
}

// describeStart says what a foreign file looks like, for the error.
func describeStart(b []byte) string {
	if len(b) == 0 {
		return "is empty"
	}
	s := fmt.Sprintf("starts with %q", b[:min(len(b), 8)])
	switch {
	case len(b) >= 4 && string(b[:4]) == "PK\x03\x04":
		s += ": a zip archive, such as a Keras .keras file or a NumPy .npz (read weights with keras.ReadWeightsNPZ)"
	case len(b) >= 4 && string(b[:4]) == "\x89HDF":
		s += ": an HDF5 file, such as a Keras .h5 (export it with model.to_json() and numpy.savez, then use package keras)"
	case len(b) >= 6 && string(b[:6]) == "\x93NUMPY":
		s += ": a NumPy .npy array"
	case b[0] == '{':
		s += ": JSON, perhaps a Keras model.to_json() (read it with keras.ReadModelJSON)"
	}
	return s
}

// decodeFile checks the header and every checksum and returns the
// sections in file order (without "end").
func decodeFile(b []byte) ([]section, error) {
	if len(b) < headerLen || string(b[:len(Magic)]) != Magic {
		k := min(len(b), len(Magic))
		if len(b) < headerLen && k > 0 && string(b[:k]) == Magic[:k] {
			return nil, fmt.Errorf("truncated: the %d-byte header needs %d bytes, file has %d", headerLen, headerLen, len(b))
		}
		return nil, fmt.Errorf("not a seqnet model file (it %s)", describeStart(b))
	}
	v := binary.LittleEndian.Uint32(b[len(Magic):])
	if v == 0 || v > Version {
		return nil, fmt.Errorf("seqnet model file format version %d: this build reads versions 1 to %d (upgrade seqnet to read it)", v, Version)
	}
	var secs []section
	seen := map[string]bool{}
	pos := headerLen
	last := "the header"
	for {
		if pos == len(b) {
			return nil, fmt.Errorf("truncated: the file ends after %s without the end section", last)
		}
		start := pos
		n := int(b[pos])
		pos++
		if n == 0 || len(b)-pos < n {
			if n == 0 {
				return nil, fmt.Errorf("corrupt file: empty section name at byte %d after %s", start, last)
			}
			return nil, fmt.Errorf("truncated: the section name after %s needs %d bytes, file has %d", last, n, len(b)-pos)
		}
		name := string(b[pos : pos+n])
		pos += n
		if !utf8.ValidString(name) {
			return nil, fmt.Errorf("corrupt file: section name %q at byte %d after %s", name, start, last)
		}
		if len(b)-pos < 8 {
			return nil, fmt.Errorf("truncated: section %s needs 8 bytes for its length, file has %d", name, len(b)-pos)
		}
		size := binary.LittleEndian.Uint64(b[pos:])
		pos += 8
		if size > uint64(len(b)-pos) || uint64(len(b)-pos)-size < 4 {
			return nil, fmt.Errorf("truncated: section %s needs %d bytes, file has %d", name, size+4, len(b)-pos)
		}
		payload := b[pos : pos+int(size)]
		pos += int(size)
		want := binary.LittleEndian.Uint32(b[pos:])
		pos += 4
		if got := crc32.ChecksumIEEE(b[start : pos-4]); got != want {
			return nil, fmt.Errorf("checksum mismatch in section %s (CRC-32 %08x, stored %08x): the file is damaged", name, got, want)
		}
		if seen[name] {
			return nil, fmt.Errorf("corrupt file: section %s appears twice", name)
		}
		seen[name] = true
		if name == "end" {
			if pos != len(b) {
				return nil, fmt.Errorf("corrupt file: %d bytes after the end section", len(b)-pos)
			}
			return secs, nil
		}
		secs = append(secs, section{name, payload})
		last = "section " + name
	}
}

// writer appends little-endian values.
type writer struct{ b []byte }

func (w *writer) u8(v int)     { w.b = append(w.b, byte(v)) }
func (w *writer) u16(v int)    { w.b = binary.LittleEndian.AppendUint16(w.b, uint16(v)) }
func (w *writer) u32(v int)    { w.b = binary.LittleEndian.AppendUint32(w.b, uint32(v)) }
func (w *writer) str(s string) { w.u16(len(s)); w.b = append(w.b, s...) }
func (w *writer) floats(f []float32) {
	for _, v := range f {
		w.b = binary.LittleEndian.AppendUint32(w.b, math.Float32bits(v))
	}
}

// reader reads little-endian values from a section, remembering the
// first shortfall as an error that names the section.
type reader struct {
	sec string
	b   []byte
	pos int
	err error
}

func (r *reader) need(n int, what string) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b)-r.pos < n {
		r.err = fmt.Errorf("corrupt section %s: %s needs %d bytes, the section has %d left", r.sec, what, n, len(r.b)-r.pos)
		return false
	}
	return true
}

func (r *reader) u8(what string) int {
	if !r.need(1, what) {
		return 0
	}
	r.pos++
	return int(r.b[r.pos-1])
}

func (r *reader) u16(what string) int {
	if !r.need(2, what) {
		return 0
	}
	r.pos += 2
	return int(binary.LittleEndian.Uint16(r.b[r.pos-2:]))
}

func (r *reader) u32(what string) int {
	if !r.need(4, what) {
		return 0
	}
	r.pos += 4
	return int(binary.LittleEndian.Uint32(r.b[r.pos-4:]))
}

func (r *reader) str(what string) string {
	n := r.u16(what)
	if !r.need(n, what) {
		return ""
	}
	r.pos += n
	return string(r.b[r.pos-n : r.pos])
}

// floats reads n float32 values, checking first that they are there (so
// a corrupt count never allocates more than the file holds).
func (r *reader) floats(n int, what string) []float32 {
	if n > (len(r.b)-r.pos)/4 {
		r.need(4*n, what) // records the error
		if r.err == nil {
			r.err = fmt.Errorf("corrupt section %s: %s: %d values do not fit", r.sec, what, n)
		}
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(r.b[r.pos:]))
		r.pos += 4
	}
	return out
}

func (r *reader) done() error {
	if r.err == nil && r.pos != len(r.b) {
		r.err = fmt.Errorf("corrupt section %s: %d unread bytes at its end", r.sec, len(r.b)-r.pos)
	}
	return r.err
}

// writeAtomic writes b to path atomically (internal/atomicfile): a crash
// leaves either the old file or the new one, never a mix.
func writeAtomic(path string, b []byte) error { return atomicfile.WriteFile(path, b) }

// readFile reads a whole file, refusing ones too large to be a model.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a seqnet model file", path)
	}
	const limit = 8 << 30
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is %s bytes, more than the %d GiB a seqnet model file may hold", path, strconv.FormatInt(st.Size(), 10), limit>>30)
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%s changed while being read", path)
		}
		return nil, err
	}
	return b, nil
}
