package javaplugin

import "errors"

// ErrNoJava is wrapped when no Java 17 or newer can run the plugin host: none on the PATH (or
// at JAVA_HOME, or where the worker was told), or an older one.
var ErrNoJava = errors.New("running Java plugins needs Java 17 or newer")

// ErrNoMaven is wrapped when the plugin host has not been built yet and Maven, which builds
// it, is not there.
var ErrNoMaven = errors.New("building the Java plugin host needs Maven (mvn)")

// ErrBadVersion is wrapped when the Kafka version asked for the host is not a version.
var ErrBadVersion = errors.New("not a Kafka version")

// ErrHostDown is wrapped by every call that the plugin host cannot answer because it exited,
// was killed, or stopped answering; the error's text says which, with the host's last output.
var ErrHostDown = errors.New("the Java plugin host is down")

// ErrClosed is wrapped by calls made after Close.
var ErrClosed = errors.New("the Java plugin host was closed")
