package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	pb "github.com/seqnet/seqnet/internal/onnxpb"
	"google.golang.org/protobuf/proto"
)

// maxFileSize is the largest ONNX file read: protobuf messages cannot
// exceed 2 GiB.
const maxFileSize = 2 << 30

// maxElements caps the elements of one tensor read from a file.
const maxElements = 1 << 28

// parseModel decodes and checks the outer structure of an ONNX file.
func parseModel(b []byte) (*pb.ModelProto, error) {
	if len(b) == 0 {
		return nil, errors.New("the file is empty: expected an ONNX model (a ModelProto protobuf)")
	}
	var mp pb.ModelProto
	if err := proto.Unmarshal(b, &mp); err != nil {
		return nil, fmt.Errorf("not an ONNX model (the protobuf does not decode: %v); is the file truncated or of another format?", err)
	}
	if mp.Graph == nil || mp.IrVersion == nil {
		return nil, errors.New("not an ONNX model: no graph or IR version (is it another protobuf file?)")
	}
	if v := mp.GetIrVersion(); v < 3 || v > 11 {
		return nil, fmt.Errorf("ONNX IR version %d is not supported: expected 3 to 11", v)
	}
	return &mp, nil
}

// readAll reads at most maxFileSize bytes.
func readAll(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > maxFileSize {
		return nil, fmt.Errorf("the file is larger than 2 GiB, the protobuf limit: ONNX files this large keep their weights in external data, which seqnet does not read")
	}
	return b, nil
}

// readFile reads an ONNX file after checking its size.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f)
}

// constT is a constant tensor: an initializer, a Constant node or a value
// computed from them. Numbers are kept as float64 (int64 values beyond
// 2^53 do not occur in the shapes and indices read here).
type constT struct {
	shape []int
	data  []float64
	elem  int32
}

func (c *constT) ints() []int64 {
	out := make([]int64, len(c.data))
	for i, v := range c.data {
		out[i] = int64(v)
	}
	return out
}

func (c *constT) floats() []float32 {
	out := make([]float32, len(c.data))
	for i, v := range c.data {
		out[i] = float32(v)
	}
	return out
}

// decodeTensor reads a TensorProto, checking its sizes before allocating.
func decodeTensor(t *pb.TensorProto) (*constT, error) {
	name := t.GetName()
	if t.GetDataLocation() == pb.TensorProto_EXTERNAL || len(t.GetExternalData()) > 0 {
		return nil, fmt.Errorf("tensor %q keeps its data in an external file, which seqnet does not read; save the model with the weights inside (onnx.save_model(m, path, save_as_external_data=False))", name)
	}
	n := 1
	shape := make([]int, len(t.GetDims()))
	for i, d := range t.GetDims() {
		if d < 0 || d > maxElements {
			return nil, fmt.Errorf("tensor %q has dimension %d, expected 0 to %d", name, d, maxElements)
		}
		shape[i] = int(d)
		n *= int(d)
		if n > maxElements {
			return nil, fmt.Errorf("tensor %q has more than %d elements", name, maxElements)
		}
	}
	c := &constT{shape: shape, elem: t.GetDataType()}
	raw := t.GetRawData()
	var size int
	switch c.elem {
	case typeFloat, typeInt32:
		size = 4
	case typeInt64, int32(pb.TensorProto_DOUBLE):
		size = 8
	case typeBool, int32(pb.TensorProto_UINT8), int32(pb.TensorProto_INT8):
		size = 1
	default:
		return nil, fmt.Errorf("tensor %q has element type %s; seqnet reads float, double, int32, int64, int8, uint8 and bool", name, typeName(c.elem))
	}
	var have int
	switch {
	case len(raw) > 0:
		have = len(raw) / size
		if len(raw)%size != 0 {
			have = -1
		}
	case c.elem == typeFloat:
		have = len(t.GetFloatData())
	case c.elem == typeInt64:
		have = len(t.GetInt64Data())
	case c.elem == int32(pb.TensorProto_DOUBLE):
		have = len(t.GetDoubleData())
	default:
		have = len(t.GetInt32Data())
	}
	if have != n {
		return nil, fmt.Errorf("tensor %q of shape %v needs %d values, the file holds %d: the file is corrupt or truncated", name, shape, n, have)
	}
	c.data = make([]float64, n)
	for i := range c.data {
		switch {
		case len(raw) > 0:
			p := raw[i*size:]
			switch c.elem {
			case typeFloat:
				c.data[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(p)))
			case typeInt32:
				c.data[i] = float64(int32(binary.LittleEndian.Uint32(p)))
			case typeInt64:
				c.data[i] = float64(int64(binary.LittleEndian.Uint64(p)))
			case int32(pb.TensorProto_DOUBLE):
				c.data[i] = math.Float64frombits(binary.LittleEndian.Uint64(p))
			case int32(pb.TensorProto_INT8):
				c.data[i] = float64(int8(p[0]))
			default:
				c.data[i] = float64(p[0])
			}
		case c.elem == typeFloat:
			c.data[i] = float64(t.GetFloatData()[i])
		case c.elem == typeInt64:
			c.data[i] = float64(t.GetInt64Data()[i])
		case c.elem == int32(pb.TensorProto_DOUBLE):
			c.data[i] = t.GetDoubleData()[i]
		default:
			c.data[i] = float64(t.GetInt32Data()[i])
		}
	}
	return c, nil
}
