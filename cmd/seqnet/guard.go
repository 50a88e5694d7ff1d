package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/model"
)

// outputFlags names, per command, the flags that name files the command
// writes. Every other flag whose value names an existing file is an input.
var outputFlags = map[string][]string{
	"train":         {"out"},
	"predict":       {"out"},
	"explain-model": {"out"},
	"filters":       {"out"},
	"import":        {"out"},
	"export":        {"keras-json", "weights", "preprocessing", "onnx"},
}

// flagValue is one flag of a command line with the value it was given.
type flagValue struct{ name, value string }

// scanFlags lists the --name value and --name=value pairs of args. A flag
// followed by another flag has no value (a boolean); values are what the
// command's own parser will see. bare lists the flags without a value that
// another argument follows, with that argument (a flag) as their value.
func scanFlags(args []string) (valued, bare []flagValue) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		name := strings.TrimLeft(a, "-")
		if n, v, ok := strings.Cut(name, "="); ok {
			valued = append(valued, flagValue{n, v})
			continue
		}
		if i+1 < len(args) {
			if !strings.HasPrefix(args[i+1], "-") {
				valued = append(valued, flagValue{name, args[i+1]})
				i++
			} else {
				bare = append(bare, flagValue{name, args[i+1]})
			}
		}
	}
	return valued, bare
}

// guardPaths checks, before a command does any work, that no output it
// will write is one of its inputs (compared by resolved path and by file
// identity, so links and ./x vs x are caught) or another output, and that
// each output's folder exists and is writable: otherwise a run could
// overwrite the data it read, or train for an hour and then fail to save.
func guardPaths(cmd string, args []string) error {
	outNames := outputFlags[cmd]
	if len(outNames) == 0 {
		return nil
	}
	isOut := map[string]bool{}
	for _, n := range outNames {
		isOut[n] = true
	}
	flags, bare := scanFlags(args)
	if err := outputNotAFlag(bare, isOut); err != nil {
		return err
	}
	var ins, outs []flagValue
	for _, f := range flags {
		if f.value == "" {
			continue
		}
		if isOut[f.name] {
			outs = append(outs, f)
			if cmd == "train" {
				// The learning curves are written beside the model.
				base := strings.TrimSuffix(f.value, filepath.Ext(f.value)) + "-curves"
				outs = append(outs, flagValue{"out (its learning curves)", base + ".png"}, flagValue{"out (its learning curves)", base + ".svg"})
			}
			continue
		}
		if st, err := os.Stat(f.value); err == nil && st.Mode().IsRegular() {
			ins = append(ins, f)
		}
	}
	for i, o := range outs {
		for _, in := range ins {
			if cmd == "train" && in.name == "resume" && o.name == "out" {
				continue // --resume writes its checkpoint back by design
			}
			if samePath(o.value, in.value) {
				return userErr("--%s %s is the same file as --%s %s: writing it would destroy your input; choose another output path",
					o.name, o.value, in.name, in.value)
			}
		}
		for _, o2 := range outs[:i] {
			if samePath(o.value, o2.value) {
				return userErr("--%s %s and --%s %s are the same file: each output needs its own path", o2.name, o2.value, o.name, o.value)
			}
		}
		if !strings.HasPrefix(o.name, "out (") {
			if err := checkWritable("--"+o.name, o.value); err != nil {
				return err
			}
		}
		if (cmd == "train" || cmd == "import") && o.name == "out" {
			// A model file replaces only a model file: an existing CSV or
			// text file named by mistake is not overwritten.
			if st, err := os.Stat(o.value); err == nil && st.Mode().IsRegular() && st.Size() > 0 && !isSeqnetFile(o.value) {
				return userErr("--out %s exists and is not a seqnet model file: it would be replaced by the model; remove it first or choose another path (e.g. --out model.seqnet)", o.value)
			}
		}
	}
	return nil
}

// outputNotAFlag refuses an output flag followed by another flag
// (`--out --padding`): Go's flag parser would take the second flag as the
// file name and write a file called "--padding" where the user meant to
// name the output and forgot it.
func outputNotAFlag(bare []flagValue, isOut map[string]bool) error {
	for _, f := range bare {
		if name, next := f.name, f.value; isOut[name] && len(next) > 1 {
			return userErr("--%s needs a file path, but it is followed by %q, which looks like a flag: give the path after --%s (e.g. --%s model.seqnet); a file whose name starts with '-' can be named as ./%s",
				name, next, name, name, next)
		}
	}
	return nil
}

// samePath reports whether a and b name the same file: the same cleaned
// absolute path (symbolic links in the folders resolved), or, when both
// exist, the same file (hard or symbolic links).
func samePath(a, b string) bool {
	if resolved(a) == resolved(b) {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// resolved is path made absolute, with symbolic links in its folder
// resolved (the file itself may not exist yet).
func resolved(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	dir, base := filepath.Split(abs)
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	return filepath.Join(dir, base)
}

// checkWritable makes sure a file can be created in the folder of path,
// by creating and removing an empty one, and that path itself is not a
// folder. A missing folder is left to the command, which names it.
func checkWritable(flagName, path string) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil // each command names a missing folder in its own words
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return userErr("%s %s: is a folder, expected a file name", flagName, path)
	}
	f, err := os.CreateTemp(dir, ".seqnet-write-check-*")
	if err != nil {
		return userErr("%s %s: cannot write in the folder %s (%v): choose a folder you can write to", flagName, path, dir, unwrapPathErr(err))
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

// unwrapPathErr drops the temporary file's name from a *PathError.
func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return fmt.Errorf("%w", err)
}

// defaultMaxMemory is model.MaxMemory as the program starts.
var defaultMaxMemory = model.MaxMemory

// takeMaxMemory removes --max-memory SIZE from a command's arguments (every
// command takes it) and sets model.MaxMemory from it, or to its default.
func takeMaxMemory(args []string) ([]string, error) {
	model.MaxMemory = defaultMaxMemory
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "max-memory" {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return nil, userErr("--max-memory needs a size, e.g. --max-memory 8GiB")
			}
			i++
			value = args[i]
		}
		n, err := parseBytes(value)
		if err != nil {
			return nil, userErr("--max-memory %q: %v", value, err)
		}
		model.MaxMemory = n
	}
	return rest, nil
}

// parseBytes reads a size: a number of bytes, or one with a unit (KB, MB,
// GB, TB powers of 1000; KiB, MiB, GiB, TiB or K, M, G, T powers of 1024).
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	num := strings.TrimRight(t, "KMGTiBkmgtib ")
	unit := strings.ToLower(strings.TrimSpace(t[len(num):]))
	mult := map[string]float64{"": 1, "b": 1,
		"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
		"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}[unit]
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || mult == 0 || !(v > 0) || v*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("expected a positive size such as 8GiB, 512MiB or 2000000000 (bytes)")
	}
	return int64(v * mult), nil
}

// checkWeights refuses a model whose weights hold NaN or ±Inf: it would
// predict NaN everywhere (and label every row as the first class).
func checkWeights(flagName, path string, m *model.Model) error {
	for _, l := range m.Layers() {
		for _, p := range l.Common().Params() {
			for i, v := range p.Value.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return userErr("%s %s: weight %s of layer %q holds %v (at index %d): the model would predict NaN for every row; retrain it (a lower learning rate often helps) or load other weights",
						flagName, path, p.Name, l.Common().Name, v, i)
				}
			}
		}
	}
	return nil
}
