/// What worker threads produce, by index: each slot is written at most once, by one thread, and the
/// slots are read only after every worker has finished (after `DispatchQueue.concurrentPerform`
/// returns). Disjoint writes need no lock; and the join that orders them before the read is one that
/// ThreadSanitizer sees, where `Mutex` (a futex on Linux) is invisible to it and makes it report
/// every lock-protected write from two threads as a race.
package final class ResultSlots<Value>: @unchecked Sendable {
    package let count: Int
    private let base: UnsafeMutablePointer<Value?>

    package init(count: Int) {
        self.count = count
        base = .allocate(capacity: Swift.max(count, 1))
        base.initialize(repeating: nil, count: count)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    /// Sets slot `index`; only its one writer may call this, before the workers are joined.
    package func set(_ index: Int, _ value: Value) {
        precondition(index >= 0 && index < count, "result slot \(index) out of 0..<\(count)")
        base[index] = value
    }

    /// Slot `index`, once its writer is joined (or has signalled a group the reader waited for).
    package subscript(index: Int) -> Value? {
        precondition(index >= 0 && index < count, "result slot \(index) out of 0..<\(count)")
        return base[index]
    }

    /// Every slot, once the workers are joined.
    package var values: [Value?] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
