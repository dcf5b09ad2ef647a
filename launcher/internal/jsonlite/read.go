package jsonlite

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects accepted (encoding/json's limit).
const MaxDepth = 10000

// TrailingData is the SyntaxError message for text after a complete value.
const TrailingData = "data after the JSON value"

// Number is a JSON number as written (encoding/json's Number).
type Number string

// Float64 returns the number as a float64.
func (n Number) Float64() (float64, error) { return strconv.ParseFloat(string(n), 64) }

// SyntaxError is a description of the first problem and the byte offset where it was found.
type SyntaxError struct {
	Msg    string
	Offset int
}

func (e *SyntaxError) Error() string { return e.Msg + " at offset " + strconv.Itoa(e.Offset) }

// Parse reads one JSON value that fills data (surrounding whitespace aside).
func Parse(data []byte) (any, error) {
	p := &parser{data: data}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return nil, p.fail(TrailingData)
	}
	return v, nil
}

type parser struct {
	data []byte
	pos  int
}

func (p *parser) fail(msg string) error { return &SyntaxError{Msg: msg, Offset: p.pos} }

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if p.pos >= len(p.data) {
		return nil, p.fail("unexpected end of JSON input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, p.fail("invalid character " + strconv.QuoteRune(rune(p.data[p.pos])) + " looking for beginning of value")
}

func (p *parser) literal(word string) error {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return p.fail("invalid literal (expected " + word + ")")
	}
	p.pos += len(word)
	return nil
}

func (p *parser) object(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, p.fail("exceeded max depth")
	}
	p.pos++ // '{'
	obj := map[string]any{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return obj, nil
	}
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.fail("expected a string key")
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.fail("expected ':' after an object key")
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		obj[key] = v
		if done, err := p.next('}'); done || err != nil {
			return obj, err
		}
	}
}

func (p *parser) array(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, p.fail("exceeded max depth")
	}
	p.pos++ // '['
	arr := []any{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return arr, nil
	}
	for {
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		if done, err := p.next(']'); done || err != nil {
			return arr, err
		}
	}
}

// next reads the ',' before another element (then skips to it) or the closing bracket.
func (p *parser) next(closing byte) (done bool, err error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return true, p.fail("unexpected end of JSON input")
	}
	switch p.data[p.pos] {
	case closing:
		p.pos++
		return true, nil
	case ',':
		p.pos++
		p.skipSpace()
		return false, nil
	}
	return true, p.fail("expected ',' or '" + string(closing) + "'")
}

func (p *parser) number() (any, error) {
	start := p.pos
	if p.peek() == '-' {
		p.pos++
	}
	switch c := p.peek(); {
	case c == '0':
		p.pos++
	case c >= '1' && c <= '9':
		p.digits()
	default:
		return nil, p.fail("invalid number")
	}
	if p.peek() == '.' {
		p.pos++
		if !isDigit(p.peek()) {
			return nil, p.fail("invalid number (no digit after '.')")
		}
		p.digits()
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.pos++
		if c := p.peek(); c == '+' || c == '-' {
			p.pos++
		}
		if !isDigit(p.peek()) {
			return nil, p.fail("invalid number (no digit in the exponent)")
		}
		p.digits()
	}
	return Number(p.data[start:p.pos]), nil
}

// peek returns the byte at the read position, 0 at the end.
func (p *parser) peek() byte {
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

func (p *parser) digits() {
	for isDigit(p.peek()) {
		p.pos++
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// str reads a string literal at p.pos (a '"').
func (p *parser) str() (string, error) {
	p.pos++
	start := p.pos
	for p.pos < len(p.data) { // fast path: nothing to unescape
		c := p.data[p.pos]
		if c == '"' {
			s := p.data[start:p.pos]
			if utf8.Valid(s) {
				p.pos++
				return string(s), nil
			}
			break
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.pos++
	}
	p.pos = start
	return p.slowStr()
}

func (p *parser) slowStr() (string, error) {
	out := make([]byte, 0, 32)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(out), nil
		case c < 0x20:
			return "", p.fail("invalid control character in string literal")
		case c == '\\':
			var err error
			if out, err = p.escape(out); err != nil {
				return "", err
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			p.pos++
		default:
			r, n := utf8.DecodeRune(p.data[p.pos:])
			out = utf8.AppendRune(out, r) // invalid UTF-8 is U+FFFD, as in encoding/json
			p.pos += n
		}
	}
	return "", p.fail("unexpected end of JSON input")
}

var simpleEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// escape appends the character of the escape sequence at p.pos (a '\\').
func (p *parser) escape(out []byte) ([]byte, error) {
	if p.pos+1 >= len(p.data) {
		return out, p.fail("unexpected end of JSON input")
	}
	if e := p.data[p.pos+1]; e != 'u' {
		if simpleEscapes[e] == 0 {
			p.pos++
			return out, p.fail("invalid escape character in string literal")
		}
		p.pos += 2
		return append(out, simpleEscapes[e]), nil
	}
	r := p.hex4(p.pos + 2)
	if r < 0 {
		return out, p.fail("invalid \\u escape in string literal")
	}
	p.pos += 6
	if utf16.IsSurrogate(r) {
		r2 := rune(-1)
		if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
			r2 = p.hex4(p.pos + 2)
		}
		if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
			p.pos += 6
			r = dec
		} else {
			r = utf8.RuneError
		}
	}
	return utf8.AppendRune(out, r), nil
}

// hex4 reads four hex digits at at; -1 when they are not there.
func (p *parser) hex4(at int) rune {
	if at+4 > len(p.data) {
		return -1
	}
	var r rune
	for _, c := range p.data[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// intOf parses an integer literal (no fraction, no exponent) that fits an int64.
func intOf(n Number) (int64, error) { return strconv.ParseInt(string(n), 10, 64) }
