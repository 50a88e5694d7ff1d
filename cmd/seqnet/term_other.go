//go:build !linux

package main

import "os"

// terminalColumns is 0 (unknown) where seqnet does not ask the terminal:
// $COLUMNS or 80 is used.
func terminalColumns(*os.File) int { return 0 }
