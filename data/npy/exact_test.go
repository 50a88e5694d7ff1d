package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// rawNPY builds a 1-D .npy file of descr holding the given little-endian
// (or, with '>' in descr, big-endian) values.
func rawNPY(descr string, shape string, fortran bool, vals ...any) []byte {
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, map[bool]string{true: "True", false: "False"}[fortran], shape)
	h += strings.Repeat(" ", 63-(10+len(h))%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	var bo binary.ByteOrder = binary.LittleEndian
	if descr[0] == '>' {
		bo = binary.BigEndian
	}
	for _, v := range vals {
		binary.Write(&b, bo, v)
	}
	return b.Bytes()
}

func TestIntStringsAreExact(t *testing.T) {
	for _, c := range []struct {
		file []byte
		want []string
	}{
		{rawNPY("<i8", "(3,)", false, int64(16777217), int64(20240101), int64(-9007199254740993)), []string{"16777217", "20240101", "-9007199254740993"}},
		{rawNPY(">i4", "(2,)", false, int32(16777217), int32(-3)), []string{"16777217", "-3"}},
		{rawNPY("<u8", "(1,)", false, uint64(math.MaxUint64)), []string{"18446744073709551615"}},
		{rawNPY("<u4", "(1,)", false, uint32(4294967295)), []string{"4294967295"}},
		{rawNPY("<f8", "(2,)", false, float64(20240101), math.Copysign(0, -1)), []string{"20240101", "0"}},
		{rawNPY("<i2", "(2,)", false, int16(-7), int16(300)), []string{"-7", "300"}},
		{rawNPY("|b1", "(2,)", false, uint8(1), uint8(0)), []string{"1", "0"}},
		// (2, 2) stored column-major: rows [1 2] [3 4].
		{rawNPY("<i8", "(2, 2)", true, int64(1), int64(3), int64(2), int64(4)), []string{"1", "2", "3", "4"}},
	} {
		a, err := Read(bytes.NewReader(c.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.IntStrings()
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, %v; want %q", a.DType, got, err, c.want)
		}
	}
	for _, f := range [][]byte{rawNPY("<f8", "(1,)", false, 2.5), rawNPY("<f4", "(1,)", false, float32(math.NaN())), rawNPY("<f8", "(1,)", false, math.Inf(1))} {
		a, err := Read(bytes.NewReader(f))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := a.IntStrings(); err == nil || !strings.Contains(err.Error(), "not a whole number") {
			t.Errorf("%s: %q, %v; want an error", a.DType, got, err)
		}
	}
}
