// Shows that a cancelled `Task.sleep` keeps memory until its original deadline (Swift 6.3.1 on Linux), the reason
// `withDeadline` and the RPC client time out with event-loop timers instead. Starts and cancels 20,000 sleeps of 45 s.
// A benchmark, not a test: run it under heaptrack and read the heap over time.
//   swiftc -O benchmarks/cancelled-sleep.swift -o /tmp/cancelled-sleep
//   heaptrack -o /tmp/cancelled-sleep /tmp/cancelled-sleep
//   heaptrack_print -f /tmp/cancelled-sleep.zst --print-massif /tmp/cancelled-sleep.massif
//   grep -E '^(time|mem_heap_B)=' /tmp/cancelled-sleep.massif | paste - -
// Session 7 (2026-11-30): 13.4 MB of heap held from the cancels until 45 s later, then 0.2 MB.
for _ in 0..<20_000 {
    let timer = Task { _ = try? await Task.sleep(for: .seconds(45)) }
    try? await Task.sleep(for: .microseconds(10))
    timer.cancel()
}
print("20,000 sleeps started and cancelled; waiting 50 s")
try? await Task.sleep(for: .seconds(50))
