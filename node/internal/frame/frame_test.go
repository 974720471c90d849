package frame

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestRoundTripAndLimits(t *testing.T) {
	var buf bytes.Buffer
	for _, data := range [][]byte{{}, []byte("x"), bytes.Repeat([]byte{7}, 300)} {
		if err := Write(&buf, data); err != nil {
			t.Fatal(err)
		}
	}
	r := bufio.NewReader(&buf)
	for _, want := range []int{0, 1, 300} {
		got, err := Read(r, 300)
		if err != nil || len(got) != want {
			t.Fatalf("Read = %d bytes, %v; want %d", len(got), err, want)
		}
	}
	if _, err := Read(r, 300); !errors.Is(err, io.EOF) {
		t.Fatalf("at the end: %v", err)
	}

	buf.Reset()
	Write(&buf, bytes.Repeat([]byte{1}, 301))
	if _, err := Read(bufio.NewReader(&buf), 300); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	// A length that promises more than arrives is an error, not a short frame.
	buf.Reset()
	Write(&buf, []byte("hello"))
	if _, err := Read(bufio.NewReader(bytes.NewReader(buf.Bytes()[:4])), 300); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated: %v", err)
	}
}
