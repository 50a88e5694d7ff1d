package npy

import (
	"errors"
	"fmt"
	"strconv"
)

// parseDict parses the Python dict literal of a .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// Values are strings, booleans or tuples of non-negative integers ([]int).
// A list value (structured dtype) is returned as an empty []int under its
// key so the caller can name the problem.
func parseDict(s string) (map[string]any, error) {
	p := &dictParser{s: s}
	p.space()
	if !p.eat('{') {
		return nil, errors.New("expected '{'")
	}
	out := map[string]any{}
	for {
		p.space()
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		p.space()
		if !p.eat(':') {
			return nil, fmt.Errorf("expected ':' after key %q", key)
		}
		p.space()
		val, err := p.value()
		if err != nil {
			return nil, fmt.Errorf("value of %q: %w", key, err)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		out[key] = val
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if p.eat('}') {
			break
		}
		return nil, fmt.Errorf("expected ',' or '}' at offset %d", p.i)
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected text after the dict at offset %d", p.i)
	}
	return out, nil
}

type dictParser struct {
	s string
	i int
}

func (p *dictParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *dictParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *dictParser) str() (string, error) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", errors.New("expected a quoted string")
	}
	q := p.s[p.i]
	p.i++
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != q {
		if p.s[p.i] == '\\' {
			return "", errors.New("escapes in strings are not supported")
		}
		p.i++
	}
	if p.i >= len(p.s) {
		return "", errors.New("unterminated string")
	}
	v := p.s[start:p.i]
	p.i++
	return v, nil
}

func (p *dictParser) value() (any, error) {
	if p.i >= len(p.s) {
		return nil, errors.New("missing value")
	}
	switch c := p.s[p.i]; {
	case c == '\'' || c == '"':
		return p.str()
	case c == '(':
		p.i++
		var dims []int
		for {
			p.space()
			if p.eat(')') {
				return dims, nil
			}
			start := p.i
			for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
				p.i++
			}
			if p.i == start || p.i-start > 18 {
				return nil, fmt.Errorf("expected a dimension (a non-negative integer) at offset %d", start)
			}
			d, _ := strconv.Atoi(p.s[start:p.i])
			p.eat('L') // Python 2 long suffix
			dims = append(dims, d)
			p.space()
			if p.eat(',') {
				continue
			}
			p.space()
			if p.eat(')') {
				return dims, nil
			}
			return nil, fmt.Errorf("expected ',' or ')' in the shape at offset %d", p.i)
		}
	case c == '[':
		return []int{}, errors.New("a list dtype (structured array) is not supported: save each field as its own array")
	}
	for _, w := range []struct {
		lit string
		v   bool
	}{{"True", true}, {"False", false}} {
		if len(p.s)-p.i >= len(w.lit) && p.s[p.i:p.i+len(w.lit)] == w.lit {
			p.i += len(w.lit)
			return w.v, nil
		}
	}
	return nil, fmt.Errorf("unexpected %q", p.s[p.i:min(len(p.s), p.i+10)])
}
