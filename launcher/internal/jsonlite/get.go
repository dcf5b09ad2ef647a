package jsonlite

// Fields reads the values of one object by exact key (the typed records of the launcher: markers,
// the service pid file). A missing key or null leaves the zero value, as encoding/json does; a value
// of another type is an error (Err keeps the first one).
type Fields struct {
	obj map[string]any
	Err error
}

// ParseObject parses data, which must be one JSON object.
func ParseObject(data []byte) (*Fields, error) {
	v, err := Parse(data)
	if err != nil {
		return nil, err
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, &SyntaxError{Msg: "not a JSON object", Offset: 0}
	}
	return &Fields{obj: o}, nil
}

// Object returns the fields of the object at key (an empty one when missing or null).
func (f *Fields) Object(key string) *Fields {
	o, _ := f.get(key, "an object", func(v any) bool { _, ok := v.(map[string]any); return ok }).(map[string]any)
	return &Fields{obj: o}
}

func (f *Fields) String(key string) string {
	s, _ := f.get(key, "a string", func(v any) bool { _, ok := v.(string); return ok }).(string)
	return s
}

func (f *Fields) Bool(key string) bool {
	b, _ := f.get(key, "true or false", func(v any) bool { _, ok := v.(bool); return ok }).(bool)
	return b
}

// Int reads an integer that fits an int64 (encoding/json refuses "1.0" or "1e2" for an int field too).
func (f *Fields) Int(key string) int64 {
	n, _ := f.get(key, "an integer", func(v any) bool { n, ok := v.(Number); _, err := intOf(n); return ok && err == nil }).(Number)
	i, _ := intOf(n)
	return i
}

// Strings reads an array of strings (nil when missing or null).
func (f *Fields) Strings(key string) []string {
	l, _ := f.get(key, "an array of strings", func(v any) bool {
		l, ok := v.([]any)
		for _, x := range l {
			if _, isStr := x.(string); !isStr && x != nil {
				return false
			}
		}
		return ok
	}).([]any)
	if l == nil {
		return nil
	}
	out := make([]string, len(l))
	for i, x := range l {
		out[i], _ = x.(string)
	}
	return out
}

func (f *Fields) get(key, want string, ok func(any) bool) any {
	v := f.obj[key]
	if v == nil {
		return nil
	}
	if !ok(v) {
		if f.Err == nil {
			f.Err = &SyntaxError{Msg: "the field " + key + " is not " + want, Offset: 0}
		}
		return nil
	}
	return v
}

// Objects reads an array of objects (nil when missing or null; a null element is an empty object).
func (f *Fields) Objects(key string) []*Fields {
	l, _ := f.get(key, "an array of objects", func(v any) bool {
		l, ok := v.([]any)
		for _, x := range l {
			if _, isObj := x.(map[string]any); !isObj && x != nil {
				return false
			}
		}
		return ok
	}).([]any)
	var out []*Fields
	for _, x := range l {
		o, _ := x.(map[string]any)
		out = append(out, &Fields{obj: o})
	}
	return out
}
