/// The bucket order of kmod's hash tables (Paul Hsieh's SuperFastHash, as kmod's `hash_superfast`,
/// reading 16-bit words little-endian as on x86). depmod iterates its tables in bucket order with keys
/// strcmp-sorted inside a bucket; modsplit sorts by the same key so its text files come out in
/// depmod's order byte for byte.
enum DepmodHash {
    static func superFast(_ key: some Sequence<UInt8>) -> UInt32 {
        let bytes = Array(key)
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
        superFast(key.utf8) & (buckets - 1)
    }

    /// The indices of `keys` in the order a kmod hash table of `buckets` buckets iterates them:
    /// by bucket, and strcmp order inside a bucket.
    static func iterationOrder(_ keys: [String], buckets: UInt32) -> [Int] {
        let b = keys.map { bucket($0, buckets: buckets) }
        return keys.indices.sorted {
            b[$0] != b[$1] ? b[$0] < b[$1] : keys[$0].utf8.lexicographicallyPrecedes(keys[$1].utf8)
        }
    }
}
