/// Names for the `e_machine` values of architectures that build Linux modules, as GNU target triplets name the
/// CPU (`x86_64`, `aarch64`, `s390x`, `ppc64le`, `mipsel`, `arm`, `i386`): the ELF machine alone does not tell
/// s390 from s390x or ppc64 from ppc64le, its class and byte order do.
enum ELFMachine {
    static func name(of machine: UInt16, bits: Int, bigEndian: Bool) -> String {
        let wide = bits == 64
        switch machine {
        case 3: return "i386"
        case 8: return (wide ? "mips64" : "mips") + (bigEndian ? "" : "el")
        case 20: return bigEndian ? "ppc" : "ppcle"
        case 21: return bigEndian ? "ppc64" : "ppc64le"
        case 22: return wide ? "s390x" : "s390"
        case 40: return bigEndian ? "armeb" : "arm"
        case 42: return bigEndian ? "sheb" : "sh"
        case 43: return "sparc64"
        case 62: return "x86_64"
        case 183: return bigEndian ? "aarch64_be" : "aarch64"
        case 243: return wide ? "riscv64" : "riscv32"
        case 258: return wide ? "loongarch64" : "loongarch32"
        default: return "machine-\(machine)"
        }
    }
}
