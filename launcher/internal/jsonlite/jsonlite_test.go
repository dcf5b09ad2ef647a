package jsonlite

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// stdParse is what the reader must agree with: encoding/json's Decoder with UseNumber, one value.
func stdParse(data []byte) (any, bool) {
	if !json.Valid(data) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	return fromStd(v), true
}

// fromStd converts json.Number to Number so trees compare with reflect.DeepEqual.
func fromStd(v any) any {
	switch t := v.(type) {
	case json.Number:
		return Number(t)
	case []any:
		for i := range t {
			t[i] = fromStd(t[i])
		}
	case map[string]any:
		for k := range t {
			t[k] = fromStd(t[k])
		}
	}
	return v
}

// checkSame fails when Parse and encoding/json disagree on data (accept/refuse or the value).
func checkSame(t *testing.T, data []byte) {
	t.Helper()
	want, ok := stdParse(data)
	got, err := Parse(data)
	if ok != (err == nil) {
		t.Fatalf("%q: encoding/json accepts=%v, jsonlite err=%v", data, ok, err)
	}
	if ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: jsonlite %#v, encoding/json %#v", data, got, want)
	}
}

var samples = []string{
	`{}`, `[]`, ` {"a":1} `, "\t[1,2,3]\r\n", `"x"`, `0`, `-0`, `-0.5e+10`, `1E5`, `true`, `false`, `null`,
	`{"a":{"b":[1,{"c":null}]},"d":"\u00e9\ud83d\ude00"}`, `"\ud800"`, `"\udc00x"`, `"\ud800\u0041"`,
	`"\ud800\ud800"`, `"a\/b\b\f\n\r\t\"\\"`, "\"\xff\"", "\"ok\xe9\"", `{"a":1,"a":2}`, `{"A":1,"a":2}`,
	// refused
	``, ` `, `{`, `[`, `[1,]`, `{"a":1,}`, `{,}`, `[,1]`, `01`, `1.`, `.5`, `-`, `1e`, `1e+`, `+1`, `0x1`,
	`tru`, `nul`, `True`, `"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\x01b\"", `{"a" 1}`, `{a:1}`, `[1 2]`,
	`{} {}`, `1 2`, "\xef\xbb\xbf{}", `NaN`, `Infinity`, `[1]]`, `{"a":1}}`, `"a"x`,
}

func TestParseAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range samples {
		checkSame(t, []byte(s))
	}
}

func TestParseDepthLimit(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := Parse([]byte(ok)); err != nil {
		t.Fatalf("depth %d refused: %v", MaxDepth, err)
	}
	deep := strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1)
	if _, err := Parse([]byte(deep)); err == nil || !strings.Contains(err.Error(), "max depth") {
		t.Fatalf("depth %d: err = %v", MaxDepth+1, err)
	}
	checkSame(t, []byte(ok))
	checkSame(t, []byte(deep))
}

type rec struct {
	Name    string            `json:"name"`
	N       int               `json:"n"`
	Big     uint64            `json:"big"`
	On      bool              `json:"on"`
	P       *bool             `json:"p"`
	S       *string           `json:"s"`
	List    []string          `json:"list"`
	Empty   []string          `json:"empty"`
	M       map[string]string `json:"m"`
	Any     map[string]any    `json:"any"`
	Omitted string            `json:"omitted,omitempty"`
}

func (r rec) JSONObject() Obj {
	o := Obj{{"name", r.Name}, {"n", r.N}, {"big", r.Big}, {"on", r.On}, {"p", r.P}, {"s", r.S},
		{"list", r.List}, {"empty", r.Empty}, {"m", r.M}, {"any", r.Any}}
	if r.Omitted != "" {
		o = append(o, Field{"omitted", r.Omitted})
	}
	return o
}

func TestWriterMatchesEncodingJSON(t *testing.T) {
	yes := true
	str := "x"
	recs := []rec{
		{},
		{Name: "a<b>&c\"\\\n\r\t\b\f\x01\x1f\u2028\u2029é😀\xff", N: -3, Big: 1<<64 - 1, On: true, P: &yes, S: &str,
			List: []string{"1", ""}, Empty: []string{}, M: map[string]string{"z": "1", "a": "2"},
			Any: map[string]any{"k": []any{true, nil, "s"}, "e": map[string]any{}, "n": []string{}}, Omitted: "o"},
	}
	for _, r := range recs {
		for _, v := range []any{r, []any{r.JSONObject(), r}, map[string]any{"b": r, "a": List([]rec{r})}, List([]rec(nil))} {
			std, err := json.Marshal(toStd(v))
			if err != nil {
				t.Fatal(err)
			}
			if got := Marshal(v); string(got) != string(std) {
				t.Fatalf("Marshal:\n got %s\nwant %s", got, std)
			}
			stdIndent, _ := json.MarshalIndent(toStd(v), "", "  ")
			if got := MarshalIndent(v, "  "); string(got) != string(stdIndent) {
				t.Fatalf("MarshalIndent:\n got %s\nwant %s", got, stdIndent)
			}
		}
	}
}

// toStd turns Obj values back into what encoding/json marshals the same way (rec keeps its tags).
func toStd(v any) any {
	switch t := v.(type) {
	case Obj:
		return objStd(t)
	case []any:
		if t == nil {
			return t
		}
		out := make([]any, len(t))
		for i := range t {
			out[i] = toStd(t[i])
		}
		return out
	case map[string]any:
		if t == nil {
			return t
		}
		out := map[string]any{}
		for k, x := range t {
			out[k] = toStd(x)
		}
		return out
	}
	return v
}

// objStd is an ordered object for encoding/json: a json.RawMessage built field by field.
func objStd(o Obj) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		v, _ := json.Marshal(toStd(f.Value))
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func TestFields(t *testing.T) {
	f, err := ParseObject([]byte(`{"s":"x","n":42,"b":true,"l":["a",null],"o":{"s":"y"},"z":null,"bad":1.5}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.String("s") != "x" || f.Int("n") != 42 || !f.Bool("b") || f.Object("o").String("s") != "y" ||
		!reflect.DeepEqual(f.Strings("l"), []string{"a", ""}) || f.String("z") != "" || f.String("missing") != "" || f.Err != nil {
		t.Fatalf("fields read wrongly: err %v", f.Err)
	}
	if f.Int("bad"); f.Err == nil {
		t.Fatal("1.5 read as an integer")
	}
	for _, bad := range []string{`[]`, `"x"`, `{`} {
		if _, err := ParseObject([]byte(bad)); err == nil {
			t.Fatalf("%s accepted as an object", bad)
		}
	}
	g, _ := ParseObject([]byte(`{"s":1,"l":[1]}`))
	if g.String("s"); g.Err == nil {
		t.Fatal("a number read as a string")
	}
	h, _ := ParseObject([]byte(`{"l":[1]}`))
	if h.Strings("l"); h.Err == nil {
		t.Fatal("[1] read as strings")
	}
}

// FuzzParse: any input gives a value or an error, never a panic, and the decision and the value are
// encoding/json's. A value that was read writes back to text that reads as the same value.
func FuzzParse(f *testing.F) {
	for _, s := range samples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSame(t, data)
		v, err := Parse(data)
		if err != nil {
			return
		}
		again, err := Parse(Marshal(v))
		if err != nil || !reflect.DeepEqual(again, v) {
			t.Fatalf("%q: round trip gave %#v, %v", data, again, err)
		}
	})
}
