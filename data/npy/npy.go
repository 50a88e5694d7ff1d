// Package npy reads and writes NumPy's .npy and .npz files.
//
// Reading accepts format versions 1.0, 2.0 and 3.0, little- and big-endian
// float16/32/64, signed and unsigned integers of 1 to 8 bytes and booleans,
// in C or Fortran order; every value is converted to float32 and the array
// is returned in C (row-major) order. Structured, string, object, complex and
// date types are refused with an error naming the dtype. Corrupt, truncated
// and foreign files are refused with an error that says what was found; the
// readers never panic (they are fuzzed: go test -fuzz=FuzzRead ./data/npy).
//
// Writing produces format 1.0 (2.0 when the header needs it) float32 '<f4'
// arrays that numpy.load reads, and .npz archives like numpy.savez (stored)
// or numpy.savez_compressed (deflated).
package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// Magic is the first six bytes of every .npy file.
const Magic = "\x93NUMPY"

// maxHeader bounds the header length read (numpy itself refuses > 10000
// bytes unless told otherwise).
const maxHeader = 1 << 20

// maxElements bounds the element count a header may declare (2^34 float32
// values is 64 GiB, far beyond any dataset seqnet trains on).
const maxElements = 1 << 34

// Array is an array read from or written to a .npy file or .npz entry.
type Array struct {
	// Name is the .npz entry name without ".npy" (e.g. "x", "arr_0"); empty
	// for a lone .npy file.
	Name string
	// DType is the dtype descriptor found in the file, e.g. "<f8".
	DType string
	// FortranOrder reports the data was stored column-major (it has been
	// reordered: Tensor is always row-major).
	FortranOrder bool
	// Version is the format version, e.g. "1.0".
	Version string
	// Tensor holds the values as float32, with the file's shape.
	Tensor *tensor.Tensor

	// exact holds the file's data bytes when float32 cannot hold every
	// value exactly (int32/64, uint32/64, float64), for IntStrings.
	exact      []byte
	exactDType dtype
}

// Describe says what was read, e.g. `x: float64 <f8 (100, 20, 3) → float32`.
func (a *Array) Describe() string {
	var b strings.Builder
	if a.Name != "" {
		b.WriteString(a.Name + ": ")
	}
	if d, err := parseDType(a.DType); err == nil {
		fmt.Fprintf(&b, "%s %s ", d.name, a.DType)
	} else if a.DType != "" {
		b.WriteString(a.DType + " ")
	}
	b.WriteString(tensor.ShapeString(a.Tensor.Shape, false))
	if a.FortranOrder {
		b.WriteString(" Fortran order")
	}
	if a.DType != "<f4" && a.DType != "" {
		b.WriteString(" → float32")
	}
	return b.String()
}

// dtype is a parsed descriptor.
type dtype struct {
	kind  byte // 'f', 'i', 'u', 'b'
	size  int
	big   bool
	name  string
	descr string
}

func parseDType(descr string) (dtype, error) {
	d := dtype{descr: descr}
	s := descr
	if len(s) > 0 && strings.IndexByte("<>|=", s[0]) >= 0 {
		d.big = s[0] == '>'
		s = s[1:]
	}
	if len(s) < 1 {
		return d, fmt.Errorf("dtype %q is not a NumPy type descriptor (expected e.g. '<f4')", descr)
	}
	d.kind = s[0]
	n, err := strconv.Atoi(s[1:])
	if err != nil || n < 0 {
		n = 0 // e.g. "|O": refused below with its kind named
	}
	d.size = n
	switch {
	case d.kind == 'f' && (n == 2 || n == 4 || n == 8):
		d.name = fmt.Sprintf("float%d", 8*n)
	case d.kind == 'i' && (n == 1 || n == 2 || n == 4 || n == 8):
		d.name = fmt.Sprintf("int%d", 8*n)
	case d.kind == 'u' && (n == 1 || n == 2 || n == 4 || n == 8):
		d.name = fmt.Sprintf("uint%d", 8*n)
	case d.kind == 'b' && n == 1:
		d.name = "bool"
	default:
		what := map[byte]string{'c': "complex", 'U': "unicode string", 'S': "byte string", 'a': "byte string",
			'O': "Python object", 'M': "datetime", 'm': "timedelta", 'V': "void/structured", 'f': "float", 'i': "int", 'u': "uint"}[d.kind]
		if what == "" {
			what = "unknown"
		}
		return d, fmt.Errorf("dtype %q (%s, %d bytes) is not supported: expected float16/32/64, int8–64, uint8–64 or bool; convert with arr.astype('float32') before saving", descr, what, n)
	}
	return d, nil
}

// header is the parsed .npy header.
type header struct {
	version string
	dtype   dtype
	fortran bool
	shape   []int
	count   int64
}

// readHeader reads the magic, version and header dict.
func readHeader(r io.Reader) (*header, error) {
	var pre [8]byte
	n, err := io.ReadFull(r, pre[:])
	if n == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
		return nil, errors.New("not a .npy file: it is empty")
	}
	if n < 6 || string(pre[:6]) != Magic {
		return nil, fmt.Errorf("not a .npy file: it starts with %q, expected the magic %q", pre[:n], Magic)
	}
	if err != nil {
		return nil, fmt.Errorf("truncated .npy file: it ends inside the %d-byte preamble", len(pre))
	}
	major, minor := pre[6], pre[7]
	h := &header{version: fmt.Sprintf("%d.%d", major, minor)}
	var hlen int
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, errors.New("truncated .npy file: it ends inside the header length")
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, errors.New("truncated .npy file: it ends inside the header length")
		}
		l := binary.LittleEndian.Uint32(b[:])
		if l > maxHeader {
			return nil, fmt.Errorf("corrupt .npy file: header length %d is larger than %d bytes", l, maxHeader)
		}
		hlen = int(l)
	default:
		return nil, fmt.Errorf(".npy format version %s is not supported: expected 1.0, 2.0 or 3.0", h.version)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, fmt.Errorf("truncated .npy file: the header should be %d bytes long", hlen)
	}
	text := string(hb)
	if major < 3 {
		for _, c := range hb {
			if c >= 0x80 {
				return nil, fmt.Errorf("corrupt .npy %s header: it holds non-ASCII bytes", h.version)
			}
		}
	}
	dict, err := parseDict(strings.TrimRight(text, " \n\x00"))
	if err != nil {
		return nil, fmt.Errorf("corrupt .npy header %q: %w", shorten(text), err)
	}
	descr, ok1 := dict["descr"].(string)
	fortran, ok2 := dict["fortran_order"].(bool)
	shape, ok3 := dict["shape"].([]int)
	if !ok1 || !ok2 || !ok3 || len(dict) != 3 {
		if _, structured := dict["descr"].([]int); structured {
			return nil, errors.New("structured (record) arrays are not supported: save each field as its own array")
		}
		return nil, fmt.Errorf("corrupt .npy header %q: expected exactly the keys 'descr' (a string), 'fortran_order' (True/False) and 'shape' (a tuple)", shorten(text))
	}
	h.dtype, err = parseDType(descr)
	if err != nil {
		return nil, err
	}
	h.fortran, h.shape = fortran, shape
	h.count = 1
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("corrupt .npy header: negative dimension in shape %v", shape)
		}
		if d > 0 && h.count > maxElements/int64(d) {
			return nil, fmt.Errorf("corrupt .npy header: shape %v has more than %d elements", shape, int64(maxElements))
		}
		h.count *= int64(d)
	}
	return h, nil
}

// Read reads one .npy array from r, which must hold nothing after it.
func Read(r io.Reader) (*Array, error) {
	return read(r, -1)
}

// read reads an array; limit, when ≥ 0, is the size of the whole file, used
// to refuse a header that announces more data than there is before reading.
func read(r io.Reader, limit int64) (*Array, error) {
	cr := &countReader{r: r}
	h, err := readHeader(cr)
	if err != nil {
		return nil, err
	}
	need := h.count * int64(h.dtype.size)
	if limit >= 0 && cr.n+need > limit {
		return nil, fmt.Errorf("truncated .npy file: shape %v of %s needs %d data bytes but only %d follow the header",
			h.shape, h.dtype.descr, need, limit-cr.n)
	}
	raw, err := io.ReadAll(io.LimitReader(cr, need))
	if err != nil {
		return nil, fmt.Errorf("reading .npy data: %w", err)
	}
	if int64(len(raw)) < need {
		return nil, fmt.Errorf("truncated .npy file: shape %v of %s needs %d data bytes, found %d", h.shape, h.dtype.descr, need, len(raw))
	}
	var extra [512]byte
	m, err := io.ReadFull(cr, extra[:])
	if m > 0 {
		more := ""
		if m == len(extra) {
			more = " or more"
		}
		return nil, fmt.Errorf("corrupt .npy file: %d%s bytes follow the %d data bytes of shape %v %s (wrong shape in the header?)", m, more, need, h.shape, h.dtype.descr)
	}
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("reading .npy data: %w", err)
	}
	vals := decode(raw, h.dtype, int(h.count))
	if h.fortran && len(h.shape) > 1 {
		vals = fromFortran(vals, h.shape)
	}
	a := &Array{DType: h.dtype.descr, FortranOrder: h.fortran, Version: h.version,
		Tensor: &tensor.Tensor{Shape: h.shape, Data: vals}}
	a.keepExact(raw, h.dtype)
	return a, nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decode converts n values of type d to float32.
func decode(raw []byte, d dtype, n int) []float32 {
	out := make([]float32, n)
	var bo binary.ByteOrder = binary.LittleEndian
	if d.big {
		bo = binary.BigEndian
	}
	for i := range out {
		b := raw[i*d.size : (i+1)*d.size]
		switch d.kind {
		case 'f':
			switch d.size {
			case 2:
				out[i] = halfToFloat(bo.Uint16(b))
			case 4:
				out[i] = math.Float32frombits(bo.Uint32(b))
			case 8:
				out[i] = float32(math.Float64frombits(bo.Uint64(b)))
			}
		case 'i':
			switch d.size {
			case 1:
				out[i] = float32(int8(b[0]))
			case 2:
				out[i] = float32(int16(bo.Uint16(b)))
			case 4:
				out[i] = float32(int32(bo.Uint32(b)))
			case 8:
				out[i] = float32(int64(bo.Uint64(b)))
			}
		case 'u':
			switch d.size {
			case 1:
				out[i] = float32(b[0])
			case 2:
				out[i] = float32(bo.Uint16(b))
			case 4:
				out[i] = float32(bo.Uint32(b))
			case 8:
				out[i] = float32(bo.Uint64(b))
			}
		case 'b':
			if b[0] != 0 {
				out[i] = 1
			}
		}
	}
	return out
}

// halfToFloat converts an IEEE 754 binary16 value.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		return float32(math.Copysign(float64(frac)*math.Pow(2, -24), float64(int32(sign>>31)*-2+1)))
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

// fromFortran reorders column-major values of shape into row-major order.
func fromFortran[T any](v []T, shape []int) []T {
	out := make([]T, len(v))
	if len(v) == 0 {
		return out
	}
	idx := make([]int, len(shape))
	fstride := make([]int, len(shape))
	s := 1
	for k := range shape {
		fstride[k] = s
		s *= shape[k]
	}
	for i := range out {
		off := 0
		for k := range idx {
			off += idx[k] * fstride[k]
		}
		out[i] = v[off]
		for k := len(idx) - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return out
}

// ReadFile reads a .npy file.
func ReadFile(path string) (*Array, error) {
	return readPath(path, func(f *os.File, size int64) (*Array, error) { return read(bufio.NewReader(f), size) })
}

// readPath opens path and reads it with read, given the file and its size;
// read's errors are prefixed with the path.
func readPath[T any](path string, read func(f *os.File, size int64) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return zero, err
	}
	v, err := read(f, st.Size())
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// Write writes t as a float32 '<f4' .npy array (format 1.0, or 2.0 when the
// header does not fit 1.0), padded so the data starts at a multiple of 64
// bytes as numpy does.
func Write(w io.Writer, t *tensor.Tensor) error {
	if t == nil {
		return errors.New("npy: cannot write a nil tensor")
	}
	if tensor.Size(t.Shape) != len(t.Data) {
		return fmt.Errorf("npy: tensor shape %v holds %d values but has %d", t.Shape, tensor.Size(t.Shape), len(t.Data))
	}
	var shape string
	switch len(t.Shape) {
	case 0:
		shape = "()"
	case 1:
		shape = fmt.Sprintf("(%d,)", t.Shape[0])
	default:
		parts := make([]string, len(t.Shape))
		for i, d := range t.Shape {
			parts[i] = strconv.Itoa(d)
		}
		shape = "(" + strings.Join(parts, ", ") + ")"
	}
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape)
	var pre []byte
	total := len(Magic) + 2 + 2 + len(dict) + 1
	if total+63 < 1<<16 {
		pad := (64 - total%64) % 64
		hl := len(dict) + pad + 1
		pre = append([]byte(Magic), 1, 0, byte(hl), byte(hl>>8))
		dict += strings.Repeat(" ", pad)
	} else {
		total += 2
		pad := (64 - total%64) % 64
		hl := len(dict) + pad + 1
		pre = append([]byte(Magic), 2, 0, byte(hl), byte(hl>>8), byte(hl>>16), byte(hl>>24))
		dict += strings.Repeat(" ", pad)
	}
	var buf bytes.Buffer
	buf.Write(pre)
	buf.WriteString(dict)
	buf.WriteByte('\n')
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	const chunk = 1 << 14
	b := make([]byte, 4*min(chunk, len(t.Data)))
	for i := 0; i < len(t.Data); i += chunk {
		part := t.Data[i:min(i+chunk, len(t.Data))]
		for k, v := range part {
			binary.LittleEndian.PutUint32(b[4*k:], math.Float32bits(v))
		}
		if _, err := w.Write(b[:4*len(part)]); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes t to path as a .npy file, atomically (a temporary file
// in the same directory, synced, then renamed over path).
func WriteFile(path string, t *tensor.Tensor) error {
	return writeAtomic(path, func(w io.Writer) error { return Write(w, t) })
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
