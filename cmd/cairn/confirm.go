package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// terminal is the user at a terminal, whom a command may ask a question:
// the question goes to out (stderr, so stdout stays the command's output)
// and the answer comes from in.
type terminal struct {
	in  io.Reader
	out io.Writer
}

// stdinTerminal returns the terminal on stdin and stderr, or nil when stdin
// is not a terminal (a script, a pipe): then nobody is there to answer.
func stdinTerminal() *terminal {
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return nil
	}
	return &terminal{in: os.Stdin, out: os.Stderr}
}

// confirm asks question, followed by " [y/N] ", and reports whether the
// answer, one line, is y or yes (in any case); any other answer, an empty
// one or the end of input is no.
func (t *terminal) confirm(question string) (bool, error) {
	fmt.Fprintf(t.out, "%s [y/N] ", question)
	line, err := readLine(t.in)
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	if errors.Is(err, io.EOF) {
		fmt.Fprintln(t.out) // end the prompt's line
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// readLine reads in up to the next newline (at most 1 KiB) and returns the
// line without it. It reads one byte at a time, so it takes nothing past the
// newline from in; err is io.EOF when in ended first.
func readLine(in io.Reader) (string, error) {
	var line []byte
	b := make([]byte, 1)
	for len(line) < 1<<10 {
		n, err := in.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				return string(line), nil
			}
			line = append(line, b[0])
		}
		if err != nil {
			return string(line), err
		}
	}
	return string(line), nil
}
