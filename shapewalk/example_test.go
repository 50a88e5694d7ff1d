package shapewalk_test

import (
	"os"
	"strings"

	"github.com/seqnet/seqnet/shapewalk"
)

func ExampleWalk() {
	t, err := shapewalk.Walk("16070,45,1", strings.Fields("conv1d:filters=128,kernel_size=10,strides=5 flatten dense:units=1"))
	if err != nil {
		panic(err)
	}
	t.Write(os.Stdout)
	// Output:
	// Layer (type)        Output Shape     Param #  Formula
	// ─────────────────────────────────────────────────────
	// input (InputLayer)  (16070, 45, 1)         0  batch shape as given
	// conv1d (Conv1D)     (16070, 8, 128)     1408  O = floor((W - K) / S) + 1 = floor((45 - 10) / 5) + 1 = 8
	// flatten (Flatten)   (16070, 1024)          0  8 × 128 = 1024
	// dense (Dense)       (16070, 1)          1025  units = 1
	// Total params: 2433 (trainable 2433, non-trainable 0)
}
