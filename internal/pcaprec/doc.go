// Package pcaprec records packet captures for tests: tcpdump on the
// loopback interface, started by the test and stopped by PID.
//
// --immediate-mode hands each packet over at once: without it tcpdump
// reads the kernel ring in blocks and a SIGINT shortly after the traffic
// leaves it uncaptured ("4 packets received by filter, 0 captured").
// tcpdump runs with -Z root so that it does not drop to the tcpdump user,
// which could not write into t.TempDir(); -U makes every packet reach the
// file when it is captured, and Stop waits for tcpdump to exit so the file
// is complete before the test reads it.
package pcaprec
