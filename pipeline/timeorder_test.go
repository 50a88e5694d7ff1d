package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/data"
)

func TestCheckTimeOrder(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		file, rowLabel, want string
	}{
		{"date,v\n2024-03-01,1\n2024-02-01,2\n2024-01-01,3\n", "", "column `date` runs backwards in time (line 2 2024-03-01 … line 4 2024-01-01)"},
		{"date,v\n2024-01-01,1\n2024-02-01,2\n2024-03-01,3\n", "", ""},
		{"year,v\n2003,1\n2002,2\n2001,3\n", "", "column `year` runs backwards"},
		{"stock,v\n2003,1\n2002,2\n2001,3\n", "", ""}, // a countdown, not years
		{"stock,v\n2003,1\n2002,2\n2001,3\n", "stock", "column `stock` runs backwards"},
		{"v,when\n1,Mar 3 2024\n2,Mar 2 2024\n3,Mar 2 2024\n", "", "column `when` runs backwards"},
		{"v,when\n1,Mar 3 2024\n2,Mar 3 2024\n3,Mar 3 2024\n", "", ""}, // constant: not backwards
		{"2024-03-01;1\n2024-02-01;2\n2024-01-01;3\n", "", "column `0` runs backwards in time (line 1 "},
		{"date,v\n2024-03-01,1\n", "", ""},
	} {
		path := filepath.Join(dir, "s.csv")
		if err := os.WriteFile(path, []byte(c.file), 0o644); err != nil {
			t.Fatal(err)
		}
		err := checkTimeOrder(path, 0, data.HeaderAuto, c.rowLabel)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%q: %v, want %q", c.file, err, c.want)
		}
	}
}
