package pipeline

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/tensor"
)

// readArrays reads x (and y) from --x/--y or one .npy/.npz --data, with the
// dtype of y ("" when unknown).
func readArrays(d *settings, target bool) (x, y *tensor.Tensor, ydtype, report string, err error) {
	xpath := d.X
	if xpath == "" {
		xpath = d.Data
	}
	flagName := "--x"
	if d.X == "" {
		flagName = "--data"
	}
	if err := checkFile(flagName, xpath); err != nil {
		return nil, nil, "", "", err
	}
	arrays, err := npy.Load(xpath)
	if err != nil {
		return nil, nil, "", "", inputErr("%s %s: %v", flagName, xpath, err)
	}
	if d.Y != "" {
		if err := checkFile("--y", d.Y); err != nil {
			return nil, nil, "", "", err
		}
		ya, err := npy.Load(d.Y)
		if err != nil {
			return nil, nil, "", "", inputErr("--y %s: %v", d.Y, err)
		}
		if len(arrays) != 1 || len(ya) != 1 {
			return nil, nil, "", "", inputErr("--x and --y must each hold one array (.npy); received %d and %d arrays", len(arrays), len(ya))
		}
		arrays[0].Name, ya[0].Name = "x", "y"
		arrays = append(arrays, ya[0])
	}
	xy, err := data.SplitXY(arrays)
	if err != nil {
		return nil, nil, "", "", asInput(err)
	}
	for _, a := range arrays {
		if a.Name == xy.YName {
			ydtype = a.DType
		}
	}
	if target && xy.Y == nil {
		return nil, nil, "", "", inputErr("%s %s holds x but no y: give the targets with --y Y.npy (or an .npz with arrays x and y)", flagName, xpath)
	}
	return xy.X, xy.Y, ydtype, xy.Describe(), nil
}

func isIntDType(dt string) bool {
	dt = strings.TrimLeft(dt, "<>|=")
	return strings.HasPrefix(dt, "i") || strings.HasPrefix(dt, "u") || strings.HasPrefix(dt, "b")
}

func readNPY(d *settings, p *Pipeline, target, learn bool) (*Batch, error) {
	x, y, ydt, report, err := readArrays(d, target)
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
		if (d.Classes || isIntDType(ydt)) && flat {
			var names []string
			for _, v := range y.Data {
				if v != float32(math.Trunc(float64(v))) {
					return nil, inputErr("--classes: y holds %g, not a whole number: class labels must be integers 0, 1, 2, …", v)
				}
				names = append(names, strconv.Itoa(int(v)))
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
		idx := tensor.New(len(y.Data))
		for i, v := range y.Data {
			c, err := p.Labels.Index(strconv.Itoa(int(v)))
			if err != nil {
				return nil, inputErr("y[%d]: %v", i, err)
			}
			idx.Data[i] = float32(c)
		}
		ds.Y = classTarget(p.Task, idx)
	} else {
		ds.Y = y
	}
	return ds, nil
}
