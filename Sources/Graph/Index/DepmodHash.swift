/// The bucket order of kmod's hash tables (Paul Hsieh's SuperFastHash, as kmod's `hash_superfast`,
/// reading 16-bit words little-endian as on x86). depmod iterates its tables in bucket order with keys
/// strcmp-sorted inside a bucket; modsplit sorts by the same key so its text files come out in
/// depmod's order byte for byte.
enum DepmodHash {
    static func superFast(_ key: some Sequence<UInt8>) -> UInt32 {
        if let h = key.withContiguousStorageIfAvailable({ superFast(UnsafeRawBufferPointer($0)) }) { return h }
        return Array(key).withUnsafeBytes { superFast($0) }
    }

    /// The hash over bytes in memory; every read below is inside `bytes` (whole 4-byte blocks, then the tail).
    static func superFast(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var h = UInt32(truncatingIfNeeded: bytes.count)
        var p = 0
        func le16(_ i: Int) -> UInt32 { UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 }
        for _ in 0..<(bytes.count / 4) {
            h &+= le16(p)
            let tmp = (le16(p + 2) << 11) ^ h
            h = (h << 16) ^ tmp
            p += 4
            h &+= h >> 11
        }
        func signed(_ b: UInt8) -> UInt32 { UInt32(bitPattern: Int32(Int8(bitPattern: b))) }
        switch bytes.count & 3 {
        case 3:
            h &+= le16(p)
            h ^= h << 16
            h ^= signed(bytes[p + 2]) << 18
            h &+= h >> 11
        case 2:
            h &+= le16(p)
            h ^= h << 11
            h &+= h >> 17
        case 1:
            h &+= signed(bytes[p])
            h ^= h << 10
            h &+= h >> 1
        default:
            break
        }
        h ^= h << 3
        h &+= h >> 5
        h ^= h << 4
        h &+= h >> 17
        h ^= h << 25
        h &+= h >> 6
        return h
    }

    /// Sort key of `key` in a kmod hash table of `buckets` buckets.
    static func bucket(_ key: String, buckets: UInt32) -> UInt32 {
        var key = key  // withUTF8 may need to make a (small, bridged) string contiguous
        return key.withUTF8 { superFast(UnsafeRawBufferPointer($0)) } & (buckets - 1)
    }

    /// The indices of `keys` in the order a kmod hash table of `buckets` buckets iterates them:
    /// by bucket, and strcmp order inside a bucket. Keys are first grouped by bucket (a counting sort),
    /// so only the handful of keys sharing a bucket are compared as strings.
    static func iterationOrder(_ keys: [String], buckets: UInt32) -> [Int] {
        let b = keys.map { Int(bucket($0, buckets: buckets)) }
        var start = [Int](repeating: 0, count: Int(buckets) + 1)
        for x in b { start[x + 1] += 1 }
        for i in 0..<Int(buckets) { start[i + 1] += start[i] }
        var fill = start
        var order = [Int](repeating: 0, count: keys.count)
        for (k, x) in b.enumerated() {
            order[fill[x]] = k
            fill[x] += 1
        }
        for i in 0..<Int(buckets) where start[i + 1] - start[i] > 1 {
            order[start[i]..<start[i + 1]].sort { strcmpLess(keys[$0], keys[$1]) }
        }
        return order
    }

    /// strcmp's order: bytes compared as unsigned, a prefix first.
    static func strcmpLess(_ a: String, _ b: String) -> Bool {
        var (a, b) = (a, b)
        // withUTF8 is free on native strings: the comparison runs over contiguous bytes.
        return a.withUTF8 { x in b.withUTF8 { y in x.lexicographicallyPrecedes(y) } }
    }
}
