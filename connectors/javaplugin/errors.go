package javaplugin

import "errors"

// ErrNoJava is wrapped when no Java 17 or newer can run the plugin host: none on the PATH (or
// at JAVA_HOME, or where the worker was told), or an older one.
var ErrNoJava = errors.New("running Java plugins needs Java 17 or newer")

// ErrNoMaven is wrapped when the plugin host must be built for a Kafka version whose
// dependencies connectd does not pin, and Maven, which resolves them, is not there.
var ErrNoMaven = errors.New("building the Java plugin host for this Kafka version needs Maven (mvn)")

// ErrBadCompiler is wrapped when Config.Compiler names no compiler the host can be built with.
var ErrBadCompiler = errors.New(`not a plugin host compiler ("", "javac" or "ecj")`)

// ErrBadVersion is wrapped when the Kafka version asked for the host is not a version.
var ErrBadVersion = errors.New("not a Kafka version")

// ErrHostDown is wrapped by every call that the plugin host cannot answer because it exited,
// was killed, or stopped answering; the error's text says which, with the host's last output.
var ErrHostDown = errors.New("the Java plugin host is down")

// ErrClosed is wrapped by calls made after Close.
var ErrClosed = errors.New("the Java plugin host was closed")
