package main

import "flag"

// addLayoutFlags adds --delimiter and --header to a command that reads a
// file with a model's stored preprocessing: they say how the file differs
// from the training file (empty: laid out the same way).
func (d *dataFlags) addLayoutFlags(fs *flag.FlagSet) {
	fs.StringVar(&d.Layout.Delimiter, "delimiter", "", "")
	fs.StringVar(&d.Layout.Header, "header", "", "")
}
