package main

import "flag"

// addLayoutFlags adds --delimiter and --header to a command that reads a
// file with a model's stored preprocessing: they say how the file differs
// from the training file (empty: laid out the same way).
func (d *dataFlags) addLayoutFlags(fs *flag.FlagSet) {
	fs.StringVar(&d.Layout.Delimiter, "delimiter", "", "")
	fs.StringVar(&d.Layout.Header, "header", "", "")
}

// layoutForSavedModel passes --delimiter and --header, when given, to the
// reading of a saved model's new training data (train --model
// saved.seqnet): the stored preprocessing reads it otherwise as the first
// training file was laid out, and the flags were ignored.
func (t *trainer) layoutForSavedModel() {
	if t.p == nil || t.p.Kind == "" {
		return
	}
	d := &t.c.Data
	if t.set["delimiter"] {
		d.Layout.Delimiter = d.Delimiter
	}
	if t.set["header"] {
		d.Layout.Header = d.Header
	}
}
