package model

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// Summary returns the model's summary as Keras 3 prints it: each layer's
// name and type, output shape and parameter count (and, for functional
// models, what it is connected to), then the totals.
func (m *Model) Summary() string {
	if !m.Built() {
		return fmt.Sprintf("Model: %q (unbuilt: call Build(shape) or start with layers.Input)\n", m.Name)
	}
	functional := !m.sequential
	head := []string{"Layer (type)", "Output Shape", "Param #"}
	widths := []int{33, 24, 15}
	if functional {
		head = append(head, "Connected to")
		widths = []int{27, 22, 11, 24}
	}
	rows := m.summaryRows(functional)
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c)+2)
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Model: %q\n", m.Name)
	line := func(l, mid, r, fill string) {
		sb.WriteString(l)
		for i, w := range widths {
			if i > 0 {
				sb.WriteString(mid)
			}
			sb.WriteString(strings.Repeat(fill, w))
		}
		sb.WriteString(r + "\n")
	}
	cells := func(sep string, r []string) {
		sb.WriteString(sep)
		for i, c := range r {
			pad := widths[i] - utf8.RuneCountInString(c) - 1
			if i == 2 { // numbers align right
				sb.WriteString(strings.Repeat(" ", pad) + c + " ")
			} else {
				sb.WriteString(" " + c + strings.Repeat(" ", pad))
			}
			sb.WriteString(sep)
		}
		sb.WriteString("\n")
	}
	line("┏", "┳", "┓", "━")
	cells("┃", head)
	line("┡", "╇", "┩", "━")
	for i, r := range rows {
		cells("│", r)
		if functional && i < len(rows)-1 {
			line("├", "┼", "┤", "─")
		}
	}
	line("└", "┴", "┘", "─")
	tr, nt := m.NumParams()
	fmt.Fprintf(&sb, " Total params: %d (%s)\n", tr+nt, byteSize(tr+nt))
	fmt.Fprintf(&sb, " Trainable params: %d (%s)\n", tr, byteSize(tr))
	fmt.Fprintf(&sb, " Non-trainable params: %d (%s)\n", nt, byteSize(nt))
	return sb.String()
}

// summaryRows are Summary's table rows: each layer call's name and class,
// output shapes, parameter count (at its first call) and, for a functional
// model, the calls it reads.
func (m *Model) summaryRows(functional bool) [][]string {
	var rows [][]string
	seen := map[layers.Layer]bool{}
	for _, n := range m.nodes {
		_, isInput := n.layer.(*layers.InputLayer)
		if isInput && !functional {
			continue
		}
		b := n.layer.Common()
		count := 0
		if !seen[n.layer] {
			for _, p := range b.Params() {
				count += len(p.Value.Data)
			}
		}
		seen[n.layer] = true
		shapes := make([]string, len(n.outShapes))
		for i, s := range n.outShapes {
			shapes[i] = tensor.ShapeString(s, true)
		}
		row := []string{fmt.Sprintf("%s (%s)", b.Name, n.layer.ClassName()), strings.Join(shapes, ", "), fmt.Sprint(count)}
		if functional {
			var conn []string
			for _, t := range n.inputs {
				conn = append(conn, fmt.Sprintf("%s[0][%d]", t.node.layer.Common().Name, t.index))
			}
			if len(conn) == 0 {
				conn = []string{"-"}
			}
			row = append(row, strings.Join(conn, ", "))
		}
		rows = append(rows, row)
	}
	return rows
}

// byteSize formats the float32 storage of n weights as Keras does.
func byteSize(n int) string {
	b := float64(n * 4)
	units := []string{"B", "KB", "MB", "GB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return fmt.Sprintf("%.2f %s", b, units[i])
}
