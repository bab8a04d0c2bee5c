package main

import (
	"io"

	"github.com/connectd/connectd/properties"
)

// parseProperties reads a worker or connector properties file (package properties).
func parseProperties(r io.Reader) (map[string]string, error) { return properties.Parse(r) }
