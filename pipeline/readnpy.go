package pipeline

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/tensor"
)

// readArrays reads x (and y) from Source.X/Y or one .npy/.npz Source.Data, with the
// array y was read from (for its dtype and exact values).
// rank is the model's input rank: 2 keeps a 2-D x as it is.
func readArrays(d *settings, target bool, rank int) (x, y *tensor.Tensor, yArr *npy.Array, report string, err error) {
	xpath := d.X
	if xpath == "" {
		xpath = d.Data
	}
	flagName := "Source.X"
	if d.X == "" {
		flagName = "Source.Data"
	}
	if err := checkFile(flagName, xpath); err != nil {
		return nil, nil, nil, "", err
	}
	arrays, err := npy.Load(xpath)
	if err != nil {
		return nil, nil, nil, "", inputErr("%s %s: %v", flagName, xpath, err)
	}
	if d.Y != "" {
		if err := checkFile("Source.Y", d.Y); err != nil {
			return nil, nil, nil, "", err
		}
		ya, err := npy.Load(d.Y)
		if err != nil {
			return nil, nil, nil, "", inputErr("Source.Y %s: %v", d.Y, err)
		}
		if len(arrays) != 1 || len(ya) != 1 {
			return nil, nil, nil, "", inputErr("Source.X and Source.Y must each hold one array (.npy); received %d and %d arrays", len(arrays), len(ya))
		}
		arrays[0].Name, ya[0].Name = "x", "y"
		arrays = append(arrays, ya[0])
	}
	xy, err := data.SplitXY(arrays)
	if err != nil {
		return nil, nil, nil, "", asInput(err)
	}
	if rank == 2 {
		keepTwoDims(xy, arrays)
	}
	for _, a := range arrays {
		if xy.Y != nil && a.Tensor == xy.Y {
			yArr = a
		}
	}
	if xy.Y != nil && yArr == nil {
		yArr = &npy.Array{Tensor: xy.Y} // its float32 values, exact up to 2^24
	}
	if target && xy.Y == nil {
		return nil, nil, nil, "", inputErr("%s %s holds x but no y: give the targets with Source.Y = \"Y.npy\" (or an .npz with arrays x and y)", flagName, xpath)
	}
	return xy.X, xy.Y, yArr, xy.Describe(), nil
}

func isIntDType(dt string) bool {
	dt = strings.TrimLeft(dt, "<>|=")
	return strings.HasPrefix(dt, "i") || strings.HasPrefix(dt, "u") || strings.HasPrefix(dt, "b")
}

func readNPY(d *settings, p *Pipeline, target, learn bool) (*Batch, error) {
	x, y, yArr, report, err := readArrays(d, target, inputRank(d, p))
	if err != nil {
		return nil, err
	}
	ds := &Batch{X: x, RowName: "index", Report: report}
	for i := 0; i < x.Shape[0]; i++ {
		ds.Rows = append(ds.Rows, strconv.Itoa(i))
	}
	if learn {
		p.XShape = append([]int(nil), x.Shape[1:]...)
	} else if p.XShape != nil && !tensor.SameShape(p.XShape, x.Shape[1:]) {
		return nil, inputErr("x has samples of shape %s, but the model was trained on %s: give arrays shaped like the training data",
			tensor.ShapeString(x.Shape[1:], false), tensor.ShapeString(p.XShape, false))
	}
	if !target || y == nil {
		return ds, nil
	}
	flat := len(y.Shape) == 1 || (len(y.Shape) == 2 && y.Shape[1] == 1)
	if learn {
		if ((d.Classes || isIntDType(yArr.DType)) && flat) || (d.Classes && perStep(y)) {
			names, err := classNames(yArr)
			if err != nil {
				return nil, err
			}
			if err := classTask(p, data.NewLabelMap(names), "y"); err != nil {
				return nil, err
			}
		} else {
			p.Task = TaskRegression
			k := 1
			if len(y.Shape) > 1 {
				k = tensor.Size(y.Shape[1:])
			}
			for i := 0; i < k; i++ {
				p.Outputs = append(p.Outputs, fmt.Sprintf("y%d", i))
			}
			if k == 1 {
				p.Outputs = []string{"y"}
			}
		}
	}
	if p.Labels != nil {
		idx, err := classIndices(p.Labels, yArr)
		if err != nil {
			return nil, err
		}
		ds.Y = classTargetLike(p.Task, idx, y)
	} else {
		ds.Y = y
	}
	return ds, nil
}
