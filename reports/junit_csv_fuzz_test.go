package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"testing"
)

// any report Read accepts writes well-formed JUnit XML and
// rectangular CSV whose action cells never start a formula.
func FuzzJUnitCSV(f *testing.F) {
	var b bytes.Buffer
	if err := smallReport(3).Write(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Read(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := r.WriteJUnit(&out); err != nil {
			t.Fatalf("junit: %v", err)
		}
		var doc struct{ XMLName xml.Name }
		if err := xml.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatalf("junit does not parse: %v\n%s", err, out.String())
		}
		out.Reset()
		if err := r.WriteCSV(&out); err != nil {
			t.Fatalf("csv: %v", err)
		}
		rd := csv.NewReader(&out)
		rd.FieldsPerRecord = len(CSVHeader)
		rows, err := rd.ReadAll()
		if err != nil {
			t.Fatalf("csv does not parse: %v", err)
		}
		for _, row := range rows[1:] {
			if c := row[2]; c != "" && (c[0] == '=' || c[0] == '+' || c[0] == '-' || c[0] == '@') {
				t.Fatalf("formula cell %q", c)
			}
		}
	})
}
