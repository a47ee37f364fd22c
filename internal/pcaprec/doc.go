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
//
// -B 32768 (a 32 MiB kernel buffer): in immediate mode libpcap's ring has
// fixed-size slots as large as the snapshot length (256 KiB with -s 0), so
// the default 2 MiB buffer holds 8 packets, and a burst of loopback
// traffic on a loaded machine lost packets ("28 packets dropped by
// kernel"), which left exchanges with holes. 32 MiB holds 128.
package pcaprec
