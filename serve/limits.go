package serve

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// limitFields are the Options whose limits a client can pass (413, 503),
// the keys of Options.LimitNames.
var limitFields = []string{"MaxBodyBytes", "MaxConcurrent", "MaxInstances"}

// checkLimitNames refuses a LimitNames key that is not a limit's field.
func checkLimitNames(names map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(names)) {
		if !slices.Contains(limitFields, k) {
			return fmt.Errorf("serve: Options.LimitNames names %q, which is not a limit clients can pass: expected %s", k, strings.Join(limitFields, ", "))
		}
	}
	return nil
}

// limitName is what the errors clients receive call the setting behind
// the limit of field: " (--max-body)" when Options.LimitNames names it,
// "" otherwise (a client cannot set the server's Go options, and the
// message says what the limit is without them).
func (o *Options) limitName(field string) string {
	if n := o.LimitNames[field]; n != "" {
		return " (" + n + ")"
	}
	return ""
}

// count writes n with its noun, singular for 1: "1 request", "256 requests".
func count(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
