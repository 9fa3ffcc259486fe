package stepfunctions

// JSONEqual compares two JSON texts structurally.
func JSONEqual(a, b string) bool {
	va, err1 := decodeJSON([]byte(a))
	vb, err2 := decodeJSON([]byte(b))
	return err1 == nil && err2 == nil && jsonEqual(va, vb)
}
