package data

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Class labels that are numbers are compared as numbers: a target column
// holding "1", "1.0" and "1e0" is one class, as it is once pandas or NumPy
// has read the column into the float array that Keras is given. The
// comparison is exact (decimal digits, not float32 or float64), so
// 16777216 and 16777217, or 20240101 and 20240102, stay apart.

// decimal is a finite number as sign, significant digits (no leading or
// trailing zeros; "" for zero) and a power of ten: value = digits × 10^exp.
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// parseDecimal reads s as a finite number, exactly. A spelling that is not
// plain decimal (e.g. a hexadecimal float) is read through float64; a
// label that is not a finite number, or whose exponent is out of any
// sensible range, is not numeric (ok false).
func parseDecimal(s string) (d decimal, ok bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return d, false
	}
	if d, ok = plainDecimal(s); ok {
		return d, true
	}
	return plainDecimal(strconv.FormatFloat(v, 'e', -1, 64))
}

// plainDecimal parses [+-]digits[.digits][(e|E)[+-]digits].
func plainDecimal(s string) (d decimal, ok bool) {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		d.neg, s = s[0] == '-', s[1:]
	}
	mant, expPart, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart+frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return d, false
	}
	if hasExp {
		e, err := strconv.Atoi(expPart)
		if err != nil || e > 1e6 || e < -1e6 {
			return d, false
		}
		d.exp = e
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	d.exp -= len(frac)
	trimmed := strings.TrimRight(digits, "0")
	d.exp += len(digits) - len(trimmed)
	d.digits = trimmed
	if d.digits == "" {
		return decimal{}, true // every zero is 0 (and -0 is 0)
	}
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// sign is "-" for a negative decimal and "" otherwise.
func (d decimal) sign() string {
	if d.neg {
		return "-"
	}
	return ""
}

// key is the same string for numerically equal decimals.
func (d decimal) key() string {
	if d.digits == "" {
		return "0"
	}
	sign := d.sign()
	return fmt.Sprintf("%s%se%d", sign, d.digits, d.exp)
}

// String is the usual spelling: 1, 20240101, 2.5, 0.001, 1e+30.
func (d decimal) String() string {
	if d.digits == "" {
		return "0"
	}
	sign := d.sign()
	n := len(d.digits)
	switch {
	case d.exp >= 0 && n+d.exp <= 21:
		return sign + d.digits + strings.Repeat("0", d.exp)
	case d.exp < 0 && -d.exp < n:
		return sign + d.digits[:n+d.exp] + "." + d.digits[n+d.exp:]
	case d.exp < 0 && -d.exp-n <= 6:
		return sign + "0." + strings.Repeat("0", -d.exp-n) + d.digits
	}
	m := d.digits[:1]
	if n > 1 {
		m += "." + d.digits[1:]
	}
	return fmt.Sprintf("%s%se%+03d", sign, m, d.exp+n-1)
}

// mergeNumeric merges numerically equal labels of c (distinct strings)
// when every one of them is a number. A merged class is named by its
// usual spelling (1.0 and 1 → "1"); a number spelled one way only keeps
// its spelling. It returns the labels and a note per merged class.
func mergeNumeric(c []string) (out, notes []string) {
	keys := make([]string, len(c))
	usual := make([]string, len(c))
	for i, l := range c {
		d, ok := parseDecimal(l)
		if !ok {
			return c, nil
		}
		keys[i], usual[i] = d.key(), d.String()
	}
	groups := map[string][]string{}
	for i, l := range c {
		groups[keys[i]] = append(groups[keys[i]], l)
	}
	done := map[string]bool{}
	for i, l := range c {
		g := groups[keys[i]]
		switch {
		case len(g) == 1:
			out = append(out, l)
		case !done[keys[i]]:
			done[keys[i]] = true
			out = append(out, usual[i])
			notes = append(notes, fmt.Sprintf("%s (written %s)", usual[i], strings.Join(g, ", ")))
		}
	}
	return out, notes
}

// numericIndex finds the class numerically equal to label (-1 if none, or
// when label or a class is not a number).
func (m *LabelMap) numericIndex(label string) int {
	d, ok := parseDecimal(label)
	if !ok {
		return -1
	}
	k := d.key()
	for i, c := range m.Classes {
		dc, ok := parseDecimal(c)
		if !ok {
			return -1
		}
		if dc.key() == k {
			return i
		}
	}
	return -1
}

// MergedNote says which numerically equal labels NewLabelMap made one
// class ("" when none were), for reports.
func (m *LabelMap) MergedNote() string {
	if len(m.merged) == 0 {
		return ""
	}
	shown := m.merged
	more := ""
	if len(shown) > 6 {
		shown, more = shown[:6], fmt.Sprintf("; … (%d in all)", len(m.merged))
	}
	return fmt.Sprintf("numerically equal labels are one class, as in the float array Keras would be given: %s%s", strings.Join(shown, "; "), more)
}
