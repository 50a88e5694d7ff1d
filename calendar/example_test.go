package calendar_test

import (
	"fmt"

	"github.com/seqnet/seqnet/calendar"
)

func ExampleDetectSpacing() {
	ts, _ := calendar.ParseAll([]string{"1960-01", "1960-04", "1960-07", "1960-10"}, nil)
	s := calendar.DetectSpacing(ts)
	fmt.Println(s.Name, s.Season, calendar.FeatureNames(s))
	// Output: quarterly 4 [month_sin month_cos]
}
