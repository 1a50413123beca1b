package load

import "testing"

func TestSuggestQuantity(t *testing.T) {
	for in, want := range map[string]string{
		"100GB": "100Gi", "100 GiB": "100Gi", "512mb": "512Mi", "1.5G": "1.5Gi", "64KB": "64Ki",
		"1Gi": "", "ten": "", "5PB": "",
	} {
		got, ok := suggestQuantity(in)
		if ok != (want != "") || got != want {
			t.Errorf("suggestQuantity(%q) = %q, %t, want %q", in, got, ok, want)
		}
	}
}

func TestTopFields(t *testing.T) {
	got := topFields(`{secret!:#Name,key!:(string & !=""),opt?:{a:1}}`)
	want := []string{"secret", "key", "opt"}
	if len(got) != len(want) {
		t.Fatalf("topFields = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("topFields = %q, want %q", got, want)
		}
	}
}
