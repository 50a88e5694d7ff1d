//go:build !386 && !arm && !mips && !mipsle

// Package h5 reads the small part of HDF5 that Keras model files use:
// groups, string attributes and float datasets, addressed by slash paths
// ("model_weights/dense/dense/kernel:0").
//
// It wraps github.com/scigolib/hdf5 (pure Go) so that the rest of seqnet
// depends on these few methods only. That reader does not list every
// member of every group: in files written with h5py's libver='latest', a
// group of more than 8 members (dense link storage) can come back empty,
// and some such files do not open at all. Callers must therefore check
// that everything they expect was found; the keras package refuses a file
// whose weight count falls short of its config.
//
// A panic inside the reader (a damaged file) is returned as an error.
package h5

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/scigolib/hdf5"
)

// ErrTruncated is returned (wrapped) by Open for a file shorter than its
// header says.
var ErrTruncated = errors.New("h5: the file is truncated")

// File is an HDF5 file open for reading.
type File struct {
	f        *hdf5.File
	groups   map[string]*hdf5.Group
	datasets map[string]*hdf5.Dataset
	children map[string][]string
}

// Open opens an HDF5 file and lists its groups and datasets.
func Open(path string) (*File, error) {
	if err := checkSize(path); err != nil {
		return nil, err
	}
	var f *hdf5.File
	file, err := func() (file *File, err error) {
		defer recoverTo(&err)
		if f, err = hdf5.Open(path); err != nil {
			return nil, fmt.Errorf("h5: %w", err)
		}
		return list(f), nil
	}()
	if err != nil && f != nil {
		f.Close()
	}
	return file, err
}

// checkSize compares the file's length with the end-of-file address its
// superblock records, so that a truncated file is named as such (the
// reader would otherwise read what is left and may find no fault).
func checkSize(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("h5: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("h5: %w", err)
	}
	var sb [96]byte
	n, _ := io.ReadFull(f, sb[:])
	if n < 16 || string(sb[:8]) != "\x89HDF\r\n\x1a\n" {
		return errors.New("h5: not an HDF5 file (no HDF5 signature at its start)")
	}
	// Superblock layouts (HDF5 file format spec, section II.A): versions
	// 0 and 1 put the base, free-space, end-of-file and driver addresses
	// after 24 (v0) or 28 (v1) bytes; versions 2 and 3 put the base,
	// extension, end-of-file and root addresses after 12.
	var off, size int
	switch v := sb[8]; v {
	case 0, 1:
		size, off = int(sb[13]), 24+4*int(v)+2*int(sb[13])
	case 2, 3:
		size, off = int(sb[9]), 12+2*int(sb[9])
	default:
		return fmt.Errorf("h5: unsupported HDF5 superblock version %d", v)
	}
	if size != 8 && size != 4 || off+size > n {
		return fmt.Errorf("h5: unsupported HDF5 superblock (offsets of %d bytes)", size)
	}
	var base, eof uint64
	if size == 8 {
		base, eof = binary.LittleEndian.Uint64(sb[off-2*size:]), binary.LittleEndian.Uint64(sb[off:])
	} else {
		base, eof = uint64(binary.LittleEndian.Uint32(sb[off-2*size:])), uint64(binary.LittleEndian.Uint32(sb[off:]))
	}
	if end := base + eof; end > uint64(st.Size()) {
		return fmt.Errorf("%w: it is %d bytes, its header says %d", ErrTruncated, st.Size(), end)
	}
	return checkHeaps(f, st.Size(), size)
}

// checkHeaps finds the file's local heaps ("HEAP", version 0) and global
// heap collections ("GCOL", version 1) and checks that the sizes they
// declare fit in the file. The reader allocates those sizes before reading
// them, so a damaged size would otherwise ask for terabytes and crash the
// program. A scan for the signatures also meets them inside weight data;
// a local heap is recognized by its reserved zero bytes too, which weight
// data matches with odds of 2^-64 a byte.
func checkHeaps(f *os.File, fileSize int64, offsetSize int) error {
	const chunk = 1 << 22
	const over = 40 // the longest header read past a signature
	buf := make([]byte, chunk+over)
	for pos := int64(0); pos < fileSize; pos += chunk {
		n, err := f.ReadAt(buf, pos)
		if err != nil && err != io.EOF {
			return fmt.Errorf("h5: %w", err)
		}
		b := buf[:n]
		for _, sig := range []string{"HEAP", "GCOL"} {
			for i := 0; ; {
				j := bytes.Index(b[i:], []byte(sig))
				if j < 0 || i+j >= chunk {
					break
				}
				i += j
				h := b[i:]
				i++
				if len(h) < 8+3*offsetSize {
					continue
				}
				word := func(at int) uint64 {
					if offsetSize == 4 {
						return uint64(binary.LittleEndian.Uint32(h[at:]))
					}
					return binary.LittleEndian.Uint64(h[at:])
				}
				var size, addr uint64
				switch {
				case sig == "HEAP" && h[4] == 0 && h[5] == 0 && h[6] == 0 && h[7] == 0:
					size, addr = word(8), word(8+2*offsetSize)
				case sig == "GCOL" && h[4] == 1:
					size, addr = word(8), uint64(pos)+uint64(i-1)
				default:
					continue
				}
				if size > uint64(fileSize) || addr > uint64(fileSize)-size {
					return fmt.Errorf("h5: a heap at byte %d declares %d bytes at %d, beyond the file's %d: the file is damaged", pos+int64(i-1), size, addr, fileSize)
				}
			}
		}
	}
	return nil
}

// list walks the file once and indexes its groups and datasets.
func list(f *hdf5.File) *File {
	file := &File{f: f, groups: map[string]*hdf5.Group{}, datasets: map[string]*hdf5.Dataset{}, children: map[string][]string{}}
	f.Walk(func(p string, o hdf5.Object) {
		p = strings.Trim(p, "/")
		switch x := o.(type) {
		case *hdf5.Group:
			file.groups[p] = x
		case *hdf5.Dataset:
			file.datasets[p] = x
		default:
			return
		}
		if p != "" {
			parent, name := "", p
			if i := strings.LastIndexByte(p, '/'); i >= 0 {
				parent, name = p[:i], p[i+1:]
			}
			file.children[parent] = append(file.children[parent], name)
		}
	})
	for _, c := range file.children {
		sort.Strings(c)
	}
	return file
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// IsGroup reports whether path names a group ("" is the root).
func (f *File) IsGroup(path string) bool { _, ok := f.groups[path]; return ok }

// IsDataset reports whether path names a dataset.
func (f *File) IsDataset(path string) bool { _, ok := f.datasets[path]; return ok }

// Children returns the names of a group's members, sorted.
func (f *File) Children(group string) []string { return f.children[group] }

// Datasets returns the paths of all datasets found, sorted.
func (f *File) Datasets() []string {
	out := make([]string, 0, len(f.datasets))
	for p := range f.datasets {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Attr returns a group's attribute as a string or a []string (the types
// Keras writes); ok is false when the group has no such attribute. An
// empty array attribute is an empty []string.
func (f *File) Attr(group, name string) (v any, ok bool, err error) {
	defer recoverTo(&err)
	g, found := f.groups[group]
	if !found {
		return nil, false, fmt.Errorf("h5: no group %q", group)
	}
	attrs, err := g.Attributes()
	if err != nil {
		return nil, false, fmt.Errorf("h5: group %q: attributes: %w", group, err)
	}
	for _, a := range attrs {
		if a.Name != name {
			continue
		}
		// The reader sizes its result by the attribute's dataspace before
		// comparing it with the data it holds: check first.
		if a.Datatype == nil || a.Dataspace == nil || a.Datatype.Size == 0 {
			return nil, true, fmt.Errorf("h5: attribute %q of %q has no type or shape: the file is damaged", name, group)
		}
		total := uint64(1)
		for _, d := range a.Dataspace.Dimensions {
			if d != 0 && total > uint64(len(a.Data))/d {
				return nil, true, fmt.Errorf("h5: attribute %q of %q declares more values than it holds: the file is damaged", name, group)
			}
			total *= d
		}
		if total > uint64(len(a.Data))/uint64(a.Datatype.Size) {
			return nil, true, fmt.Errorf("h5: attribute %q of %q declares %d values of %d bytes but holds %d bytes: the file is damaged", name, group, total, a.Datatype.Size, len(a.Data))
		}
		x, err := a.ReadValue()
		if err != nil {
			return nil, true, fmt.Errorf("h5: attribute %q of %q: %w", name, group, err)
		}
		switch y := x.(type) {
		case string, []string:
			return y, true, nil
		case []any:
			if len(y) == 0 {
				return []string{}, true, nil
			}
		}
		return nil, true, fmt.Errorf("h5: attribute %q of %q is %T, expected text", name, group, x)
	}
	return nil, false, nil
}

// Shape returns a dataset's dimensions (empty for a scalar) and its
// element size in bytes; float reports whether it holds floating-point
// numbers. Nothing is read but the dataset's header.
func (f *File) Shape(path string) (dims []int, float bool, size int, err error) {
	defer recoverTo(&err)
	d, ok := f.datasets[path]
	if !ok {
		return nil, false, 0, fmt.Errorf("h5: no dataset %q", path)
	}
	info, err := d.Info()
	if err != nil {
		return nil, false, 0, fmt.Errorf("h5: dataset %q: %w", path, err)
	}
	return parseInfo(path, info)
}

// parseInfo reads the reader's description of a dataset, e.g.
// "Dataset: float (size=4 bytes), 2D array [8 x 1], contiguous (…)" or
// "…, 3D array [3 2 4], …" or "…, scalar, …".
func parseInfo(path, info string) (dims []int, float bool, size int, err error) {
	bad := func() ([]int, bool, int, error) {
		return nil, false, 0, fmt.Errorf("h5: dataset %q: unreadable description %q", path, info)
	}
	rest, ok := strings.CutPrefix(info, "Dataset: ")
	if !ok {
		return bad()
	}
	float = strings.HasPrefix(rest, "float ")
	_, after, ok := strings.Cut(rest, "(size=")
	if !ok {
		return bad()
	}
	n, after, ok := strings.Cut(after, " bytes)")
	if !ok {
		return bad()
	}
	if size, err = strconv.Atoi(n); err != nil {
		return bad()
	}
	if strings.HasPrefix(after, ", scalar") {
		return []int{}, float, size, nil
	}
	_, after, ok = strings.Cut(after, " array [")
	if !ok {
		return bad()
	}
	list, _, ok := strings.Cut(after, "]")
	if !ok {
		return bad()
	}
	for _, s := range strings.Fields(list) {
		if s == "x" {
			continue
		}
		d, err := strconv.ParseUint(s, 10, 31)
		if err != nil {
			return bad()
		}
		dims = append(dims, int(d))
	}
	if len(dims) == 0 {
		return bad()
	}
	return dims, float, size, nil
}

// ReadFloat32 reads a float dataset of want elements. The caller checks
// the shape with Shape first; the count is checked again here.
func (f *File) ReadFloat32(path string, want int) (out []float32, err error) {
	defer recoverTo(&err)
	d, ok := f.datasets[path]
	if !ok {
		return nil, fmt.Errorf("h5: no dataset %q", path)
	}
	v, err := d.Read()
	if err != nil {
		return nil, fmt.Errorf("h5: dataset %q: %w", path, err)
	}
	if len(v) != want {
		return nil, fmt.Errorf("h5: dataset %q holds %d values, its header says %d", path, len(v), want)
	}
	out = make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out, nil
}

func recoverTo(err *error) {
	if r := recover(); r != nil {
		*err = errors.New(fmt.Sprint("h5: the HDF5 reader failed on a damaged or unsupported file: ", r))
	}
}
